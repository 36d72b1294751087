// Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks (tensorflow/tfjs#8474), as
// XNNPACK convolutions.
//
// Derivation. Forward: y[n,i,j,o] = sum_{a,b,c} xp[n, s*i + a, s*j + b, c] * w[a,b,c,o], xp = x padded.
// So dw[a,b,c,o] = sum_{n,i,j} xp[n, s*i + a, s*j + b, c] * dy[n,i,j,o]. Lay x out as
// X[h, (w, c), n] (width and channel merged into one axis of w*c positions) and dy as D[i, j, n, o].
// Then dw[a, (b, c), o] = sum_{i,j,n} X[s*i + a, (s*j + b)*C + c, n] * D[i, j, n, o]: a conv2d of
// input X (one image, n channels) with filter D, stride 1, dilation (s, s*C), whose output
// position (a, b*C + c) is exactly dw's [a, b, c] — no transpose afterwards. Both layouts come
// from the backend's Transpose in its fast (block-moving) patterns.
//
// That conv is a GEMM with a long reduction (i*j*n): XNNPACK re-reads the packed filter (all of
// dy) once per few output positions, from memory once dy outgrows the cache. So the reduction is
// cut into bands of output rows i whose dy fits in L2, and their partial sums are added; n, the
// innermost run XNNPACK reads per tap, stays the whole batch.
import { backend_util, type Conv2DBackpropFilterAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './overrides.js';
import { pointwiseFilterGrad } from './pointwise_filter_grad.js';
import { fitAxis, reshaped, withScratch, type Scratch } from './scratch.js';

function conv2DBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  if (attrs.dataFormat === 'NCHW') throw new Error("wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only");
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: co, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, padInfo } = info;
  return withScratch(backend, (s) => {
    if (kh === 1 && kw === 1) {
      return pointwiseFilterGrad(s, x, dy, { n, h, w, c, oh, ow, strides: [sh, sw], pad: [padInfo.top, padInfo.left] });
    }
    // [n, h*w, c] -> [h*w, c, n] = X in one transpose: the backend's [1, 2, 0] moves 1.6M floats in
    // ~3 ms here, its [1, 0, 2] then [0, 2, 1] took ~11 ms. [n, oh*ow, co] -> [oh*ow, n, co] = D.
    const xt = s.transpose(reshaped(x, [n, h * w, c]), [1, 2, 0]);
    const dyt = s.transpose(reshaped(dy, [n, oh * ow, co]), [1, 0, 2]);
    // Columns: pad to what the forward conv read; columns it never read (a stride's slack) yield
    // extra output positions past kw*c, computed and dropped.
    const padRight = Math.max(0, (ow - 1) * sw + kw - padInfo.left - w);
    const band = Math.max(1, Math.min(oh, Math.floor(CHUNK_FLOATS / (ow * n * co))));
    const sum = s.alloc([kh, kw, c, co]);
    s.view(sum).fill(0);
    for (let top = 0; top < oh; top += band) {
      const r = Math.min(band, oh - top);
      // Output rows [top, top + r) read padded input rows [top*sh, (top + r - 1)*sh + kh).
      const rows = fitAxis(h, padInfo.top - top * sh, (top + r - 1) * sh + kh - padInfo.top - h);
      if (rows.size === 0) continue; // this band read only padding
      const xin = rowRange(s, xt, [h, w * c, n], rows.begin, rows.size);
      const dyin = rowRange(s, dyt, [oh, ow, n, co], top, r);
      const pad = [[0, 0], [rows.padBefore, rows.padAfter], [padInfo.left * c, padRight * c], [0, 0]];
      const part = s.run('Conv2D', { x: xin, filter: dyin }, { strides: [1, 1], pad, dilations: [sh, sw * c], dataFormat: 'NHWC' });
      addColumns(s.view(part), kw * c * co, s.view(sum), kh);
      // Copies made for this band go now; views of xt and dyt stay.
      s.free(...[xin, dyin].filter((t) => t.dataId !== xt.dataId && t.dataId !== dyt.dataId), part);
    }
    return sum;
  });
}

/** Rows [first, first + count) of a tensor whose rows are contiguous, as [1, count, ...rest] (a 4-D conv operand). */
function rowRange(s: Scratch, t: TensorInfo, [rows, ...rest]: number[], first: number, count: number): TensorInfo {
  const shape = rest.length === 2 ? [1, count, ...rest] : [count, ...rest];
  if (first === 0 && count === rows) return reshaped(t, shape);
  const per = rest.reduce((a, b) => a * b, 1);
  const out = s.alloc(shape);
  s.view(out).set(s.view(t).subarray(first * per, (first + count) * per));
  return out;
}

/** sum[a, 0:keep] += part[a, 0:keep] for each of `rows` rows (part's rows may be longer). */
function addColumns(part: Float32Array, keep: number, sum: Float32Array, rows: number): void {
  const partRow = part.length / rows;
  for (let a = 0; a < rows; a++) {
    for (let k = 0; k < keep; k++) sum[a * keep + k] += part[a * partRow + k];
  }
}

/**
 * dy floats per band (1 MiB, half a core's L2 here). Measured with image groups of 16+ on ResNet9 at 56x56, batch 64 (CPU ms
 * for all ten filter gradients): chunks of this size 2464, of 4 MiB 2423, of 256 KiB 3507; on the
 * 28x28 small net all ~117.
 */
const CHUNK_FLOATS = 262144;

export const conv2DBackpropFilterOverride: KernelOverride = { kernelName: 'Conv2DBackpropFilter', build: () => conv2DBackpropFilter as unknown as KernelFunc };
