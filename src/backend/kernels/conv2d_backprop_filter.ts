// Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks (tensorflow/tfjs#8474), as one
// XNNPACK convolution.
//
// Derivation. Forward: y[n,i,j,o] = sum_{a,b,c} xp[n, s*i + a, s*j + b, c] * w[a,b,c,o], xp = x padded.
// So dw[a,b,c,o] = sum_{n,i,j} xp[n, s*i + a, s*j + b, c] * dy[n,i,j,o]. Read c as a batch index,
// (a,b) as output pixel, n as input channel and (i,j) as a filter tap spaced s apart: that is
// conv2d(input = xp transposed to [c, h, w, n], filter = dy transposed to [i, j, n, o],
// stride 1, dilation s), whose output [c, a, b, o] transposes to [a, b, c, o].
//
// That conv is a GEMM with a long reduction (n*i*j): XNNPACK re-reads the packed filter (all of dy)
// once per few output rows (c*a*b of them), from memory once dy outgrows the cache. So the
// reduction is cut into chunks, groups of images x bands of output rows, whose dy fits in L2, and
// their partial sums are added. A group is kept to 16 images or more when it can: n is the
// innermost run XNNPACK reads per tap, and shorter runs leave its inner loop mostly overhead.
import { backend_util, type Conv2DBackpropFilterAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { swapLeading, toChannelsMajor, toPixelMajor } from './layout.js';
import type { KernelOverride } from './overrides.js';
import { fitAxis, withScratch } from './scratch.js';

function conv2DBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  if (attrs.dataFormat === 'NCHW') throw new Error("wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only");
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight, inWidth, inChannels, outChannels, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, padInfo } = info;
  return withScratch(backend, (s) => {
    const cols = fitAxis(inWidth, padInfo.left, (outWidth - 1) * sw + kw - padInfo.left - inWidth);
    const row = outWidth * outChannels;
    const group = Math.min(n, Math.max(MIN_GROUP, Math.floor(CHUNK_FLOATS / (outHeight * row))));
    const band = Math.max(1, Math.min(outHeight, Math.floor(CHUNK_FLOATS / (group * row))));
    const sum = new Float32Array(inChannels * kh * kw * outChannels);
    for (let first = 0; first < n; first += group) {
      const g = Math.min(group, n - first);
      for (let top = 0; top < outHeight; top += band) {
        const r = Math.min(band, outHeight - top);
        // Output rows [top, top + r) read padded input rows [top*sh, (top + r - 1)*sh + kh): kept,
        // padded or cut so that the conv yields exactly kh x kw outputs.
        const rows = fitAxis(inHeight, padInfo.top - top * sh, (top + r - 1) * sh + kh - padInfo.top - inHeight);
        if (rows.size === 0 || cols.size === 0) continue; // this chunk read only padding
        const xt = s.alloc([inChannels, rows.size, cols.size, g]);
        const dyt = s.alloc([r, outWidth, g, outChannels]);
        toChannelsMajor(s.view(x), x.shape.slice(1), first, g, rows.begin, rows.size, cols.begin, cols.size, s.view(xt));
        toPixelMajor(s.view(dy), dy.shape.slice(1), first, g, top, r, s.view(dyt));
        const pad = [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]];
        const part = s.run('Conv2D', { x: xt, filter: dyt }, { strides: [1, 1], pad, dilations: [sh, sw], dataFormat: 'NHWC' });
        const values = s.view(part);
        for (let i = 0; i < sum.length; i++) sum[i] += values[i];
        s.free(xt, dyt, part);
      }
    }
    const dw = s.alloc([kh, kw, inChannels, outChannels]);
    swapLeading(sum, inChannels, kh * kw, outChannels, s.view(dw));
    return dw;
  });
}

/**
 * dy floats per chunk (1 MiB, half a core's L2 here) and the fewest images a chunk should hold.
 * Measured on ResNet9 at 56x56, batch 64 (CPU ms for all ten filter gradients): unchunked groups of
 * 256 KiB 3507, these 2464, 4 MiB chunks 2423, groups of 32 2569; on the 28x28 small net all ~117.
 */
const CHUNK_FLOATS = 262144;
const MIN_GROUP = 16;

export const conv2DBackpropFilterOverride: KernelOverride = { kernelName: 'Conv2DBackpropFilter', build: () => conv2DBackpropFilter as unknown as KernelFunc };
