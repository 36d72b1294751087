// The filter gradient of a 1x1 convolution (shortcuts, bottlenecks) as one GEMM. The general
// kernel (conv2d_backprop_filter.ts) lays all of x out anew and convolves with dy as the filter:
// for a 1x1 stride-2 shortcut it moved 4x the pixels it used and ran 10x slower than the forward conv.
//
// Derivation: y[n,i,j,o] = sum_c x[n, s*i - t, s*j - l, c] w[c,o] (t, l: padding; outside x reads
// zero). So dw[c,o] = sum_p X[c,p] dy[p,o] over the output pixels p = (n,i,j), with X[c,p] the
// pixel x[n, s*i - t, s*j - l, c] (0 outside): X gathered once, then X . dy on XNNPACK's GEMM.
import type { TensorInfo } from '@tensorflow/tfjs';
import { reshaped, type Scratch } from './scratch.js';

export interface PointwiseGeometry {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly oh: number;
  readonly ow: number;
  readonly strides: readonly [number, number];
  /** Padding before the first row and column (the forward conv's padInfo.top / left). */
  readonly pad: readonly [number, number];
}

export function pointwiseFilterGrad(s: Scratch, x: TensorInfo, dy: TensorInfo, g: PointwiseGeometry): TensorInfo {
  const pixels = g.n * g.oh * g.ow;
  const columns = s.alloc([1, g.c, pixels]);
  gatherColumns(s.view(x), g, s.view(columns));
  const co = dy.shape[3];
  const product = s.run('BatchMatMul', { a: columns, b: reshaped(dy, [1, pixels, co]) }, { transposeA: false, transposeB: false });
  return reshaped(product, [1, 1, g.c, co]);
}

/** X[c, p] as above, written channel-major (each channel's pixels contiguous: GEMM rows). */
export function gatherColumns(x: Float32Array, { n, h, w, c, oh, ow, strides: [sh, sw], pad: [top, left] }: PointwiseGeometry, out: Float32Array): void {
  const pixels = n * oh * ow;
  let p = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const row = i * sh - top;
      for (let j = 0; j < ow; j++, p++) {
        const col = j * sw - left;
        if (row < 0 || row >= h || col < 0 || col >= w) {
          for (let ch = 0; ch < c; ch++) out[ch * pixels + p] = 0;
          continue;
        }
        const from = ((b * h + row) * w + col) * c;
        for (let ch = 0; ch < c; ch++) out[ch * pixels + p] = x[from + ch];
      }
    }
  }
}
