// Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks (tensorflow/tfjs#8474), as one
// XNNPACK convolution.
//
// Derivation. Forward: y[n,i,j,o] = sum_{a,b,c} xp[n, s*i + a, s*j + b, c] * w[a,b,c,o], xp = x padded.
// So dw[a,b,c,o] = sum_{n,i,j} xp[n, s*i + a, s*j + b, c] * dy[n,i,j,o]. Read c as a batch index,
// (a,b) as output pixel, n as input channel and (i,j) as a filter tap spaced s apart: that is
// conv2d(input = xp transposed to [c, h, w, n], filter = dy transposed to [i, j, n, o],
// stride 1, dilation s), whose output [c, a, b, o] transposes to [a, b, c, o].
//
// That conv is a GEMM with a long reduction (n*i*j) and few rows (c*a*b): XNNPACK re-reads the
// packed filter (all of dy) once per few rows, from memory once dy outgrows the cache. So the
// batch is split into groups whose dy fits in cache, and their partial sums are added.
import { backend_util, type Conv2DBackpropFilterAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { toChannelsMajor, swapLeading } from './layout.js';
import type { KernelOverride } from './overrides.js';
import { Scratch, fitAxis } from './scratch.js';

function conv2DBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  if (attrs.dataFormat === 'NCHW') throw new Error("wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only");
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight, inWidth, inChannels, outChannels, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, padInfo } = info;
  const s = new Scratch(backend);

  // Input rows the forward conv read, in padded coordinates: (outHeight - 1) * sh + kh. Rows past
  // them (the forward pad's slack) are cut so the conv yields exactly kh x kw outputs.
  const rows = fitAxis(inHeight, padInfo.top, (outHeight - 1) * sh + kh - padInfo.top - inHeight);
  const cols = fitAxis(inWidth, padInfo.left, (outWidth - 1) * sw + kw - padInfo.left - inWidth);
  if (rows.size === 0 || cols.size === 0) {
    // Every tap read only padding: the gradient is zero.
    const zero = s.alloc([kh, kw, inChannels, outChannels]);
    s.view(zero).fill(0);
    return s.release(zero);
  }
  const pad = [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]];
  const pixels = outHeight * outWidth;
  const group = Math.max(1, Math.min(n, Math.floor(GROUP_FLOATS / (pixels * outChannels))));
  const sum = new Float32Array(inChannels * kh * kw * outChannels);
  for (let first = 0; first < n; first += group) {
    const g = Math.min(group, n - first);
    const xt = s.alloc([inChannels, rows.size, cols.size, g]);
    const dyt = s.alloc([outHeight, outWidth, g, outChannels]);
    toChannelsMajor(s.view(x), x.shape.slice(1), first, g, rows.begin, rows.size, cols.begin, cols.size, s.view(xt));
    swapLeading(s.view(dy).subarray(first * pixels * outChannels, (first + g) * pixels * outChannels), g, pixels, outChannels, s.view(dyt));
    const part = s.run('Conv2D', { x: xt, filter: dyt }, { strides: [1, 1], pad, dilations: [sh, sw], dataFormat: 'NHWC' });
    const values = s.view(part);
    for (let i = 0; i < sum.length; i++) sum[i] += values[i];
    s.free(xt, dyt, part);
  }
  const dw = s.alloc([kh, kw, inChannels, outChannels]);
  swapLeading(sum, inChannels, kh * kw, outChannels, s.view(dw));
  return s.release(dw);
}

/** dy floats per group (256 KiB): what stays in a core's L2 while XNNPACK re-reads it. */
const GROUP_FLOATS = 65536;

export const conv2DBackpropFilterOverride: KernelOverride = { kernelName: 'Conv2DBackpropFilter', build: () => conv2DBackpropFilter as unknown as KernelFunc };
