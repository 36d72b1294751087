// Per-channel building blocks for the wasm kernels over channels-last data viewed as [P, C]
// (P = every position, C = channels): a scale-and-shift and a mean, each one XNNPACK pass.
//
// The scale-and-shift is a 1x1 depthwise convolution with bias: y[p, c] = x[p, c] * w[c] + b[c],
// which XNNPACK runs with its multiply-by-channel-add-channel kernel (~1.2 ms for 1.6M floats here).
// The same thing as broadcast Multiply then Add takes ~7 ms each: XNNPACK's broadcasting binary
// ops walk the data in rows of C. The mean is an average pool with a P x 1 window over
// [1, P, 1, C], as in reduce.ts.
import type { TensorInfo } from '@tensorflow/tfjs';
import { reshaped, type Scratch } from './scratch.js';

/** [P, C] of a channels-last tensor: positions and channels. */
export function positionsAndChannels(t: TensorInfo): [number, number] {
  const c = t.shape[t.shape.length - 1];
  return [t.shape.reduce((a, b) => a * b, 1) / c, c];
}

/** y = x * scale + shift per channel (last axis), shaped like x; a null shift adds nothing. */
export function scaleShift(s: Scratch, x: TensorInfo, scale: Float32Array, shift: Float32Array | null): TensorInfo {
  const [p, c] = positionsAndChannels(x);
  const filter = s.alloc([1, 1, c, 1]);
  s.view(filter).set(scale);
  let bias: TensorInfo | undefined;
  if (shift) {
    bias = s.alloc([c]);
    s.view(bias).set(shift);
  }
  const y = s.run('FusedDepthwiseConv2D', { x: reshaped(x, [1, 1, p, c]), filter, ...(bias ? { bias } : {}) },
    { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', activation: 'linear' });
  s.free(filter, ...(bias ? [bias] : []));
  return reshaped(y, [...x.shape]);
}

/** The mean of each channel over all positions, as a [C] buffer on the heap. */
export function channelMeans(s: Scratch, x: TensorInfo): TensorInfo {
  const [p, c] = positionsAndChannels(x);
  const pooled = s.run('AvgPool', { x: reshaped(x, [1, p, 1, c]) }, { filterSize: [p, 1], strides: [1, 1], pad: 'valid' });
  return reshaped(pooled, [c]);
}

/** A copy of a small heap buffer's values (a copy survives the heap growing; a view does not). */
export function valuesOf(s: Scratch, t: TensorInfo): Float32Array {
  return s.view(t).slice();
}
