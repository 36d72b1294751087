// The engine's conv gradient kernels on wasm against tfjs's cpu backend, over a grid of shapes.
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { blockFor, phasePlan } from '../../src/backend/kernels/conv2d_backprop_input.js';
import { randomValues, relativeError, useWasm, valuesOn } from './reference.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
type Shape4 = [number, number, number, number];

// [name, x shape, filter shape, strides, pad]
const grid: [string, Shape4, Shape4, number | [number, number], Pad][] = [
  ['3x3 s1 same', [2, 9, 9, 3], [3, 3, 3, 4], 1, 'same'],
  ['3x3 s1 valid', [2, 8, 7, 3], [3, 3, 3, 5], 1, 'valid'],
  ['3x3 s2 same, odd', [2, 9, 9, 3], [3, 3, 3, 4], 2, 'same'],
  ['3x3 s2 same, even', [2, 8, 8, 3], [3, 3, 3, 4], 2, 'same'],
  ["3x3 s2 same, 8 channels (one conv per phase)", [2, 8, 8, 8], [3, 3, 8, 4], 2, "same"],
  ["3x3 s2 same, odd, 9 channels (one conv per phase)", [2, 9, 7, 9], [3, 3, 9, 4], 2, "same"],
  ["1x1 s2 valid, 8 channels (three phases are zero)", [2, 8, 8, 8], [1, 1, 8, 5], 2, "valid"],
  ["3x3 s3 explicit pad, 8 channels", [2, 10, 8, 8], [3, 3, 8, 4], 3, [[0, 0], [2, 0], [0, 1], [0, 0]]],
  ['3x3 s2 valid, odd', [2, 9, 9, 3], [3, 3, 3, 4], 2, 'valid'],
  ['3x3 s2 valid, even', [2, 8, 8, 3], [3, 3, 3, 4], 2, 'valid'],
  ['1x7 s1 same', [2, 7, 9, 4], [1, 7, 4, 6], 1, 'same'],
  ['7x1 s1 same', [2, 9, 7, 4], [7, 1, 4, 6], 1, 'same'],
  ['1x1 s2 valid (shortcut)', [2, 8, 8, 3], [1, 1, 3, 5], 2, 'valid'],
  ['1x1 s2 same, odd', [2, 7, 7, 3], [1, 1, 3, 5], 2, 'same'],
  ['1x1 s1 (bottleneck; the filter gradient is one GEMM)', [2, 5, 6, 7], [1, 1, 7, 9], 1, 'valid'],
  ['1x1 s2 explicit pad (some outputs read only padding)', [2, 7, 6, 4], [1, 1, 4, 3], 2, [[0, 0], [1, 1], [1, 0], [0, 0]]],
  ['1x1 strides [1, 2]', [2, 6, 7, 5], [1, 1, 5, 4], [1, 2], 'same'],
  ['7x7 s1 same, 1 channel (stem; blocked input gradient)', [2, 10, 10, 1], [7, 7, 1, 8], 1, 'same'],
  ['7x7 s1 valid, 1 channel, odd', [2, 13, 11, 1], [7, 7, 1, 4], 1, 'valid'],
  ['7x7 s2 same, 1 channel', [2, 11, 12, 1], [7, 7, 1, 4], 2, 'same'],
  ['3x3 s1 same, 3 channels (RGB stem; blocked)', [2, 9, 10, 3], [3, 3, 3, 4], 1, 'same'],
  ['7x7 s2 same', [2, 11, 11, 3], [7, 7, 3, 4], 2, 'same'],
  ['5x5 s2 same, non-square', [1, 13, 10, 2], [5, 5, 2, 3], 2, 'same'],
  ['3x3 strides [2, 1]', [2, 9, 8, 3], [3, 3, 3, 4], [2, 1], 'same'],
  ['3x3 s2 explicit pad 1 (PyTorch padding=1)', [2, 8, 8, 3], [3, 3, 3, 4], 2, [[0, 0], [1, 1], [1, 1], [0, 0]]],
  ['3x3 s3 asymmetric explicit pad', [2, 10, 8, 3], [3, 3, 3, 4], 3, [[0, 0], [2, 0], [0, 1], [0, 0]]],
  // Big enough that the filter gradient is cut into bands of output rows (2 each, the last short).
  ['3x3 s2 same, in bands: 20 images', [20, 33, 33, 1], [3, 3, 1, 64], 2, 'same'],
  ['3x3 s1 same, in bands: 18 images', [18, 24, 24, 1], [3, 3, 1, 32], 1, 'same'],
  ['3x3 s2 valid, in bands, odd rows cut', [20, 34, 33, 1], [3, 3, 1, 64], 2, 'valid'],
];

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

describe.each(grid)('%s', (_name, xShape, wShape, strides, pad) => {
  const x = randomValues(xShape, 1);
  const w = randomValues(wShape, 2);

  async function dyFor(): Promise<[Float32Array, number[]]> {
    const [y] = await valuesOn('cpu', () => tf.conv2d(tf.tensor4d(x, xShape), tf.tensor4d(w, wShape), strides, pad));
    const shape = tf.conv2d(tf.zeros(xShape) as tfjs.Tensor4D, tf.zeros(wShape) as tfjs.Tensor4D, strides, pad).shape;
    return [randomValues(shape, 3 + y.length), shape];
  }

  it('Conv2DBackpropFilter matches cpu', async () => {
    const [dy, dyShape] = await dyFor();
    const run = () => tf.engine().runKernel('Conv2DBackpropFilter',
      { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, { strides, pad, dataFormat: 'NHWC', filterShape: wShape }) as tfjs.Tensor;
    const [ours] = await valuesOn('wasm', run);
    const [ref] = await valuesOn('cpu', run);
    expect(relativeError(ours, ref)).toBeLessThanOrEqual(1e-4);
  });

  it('Conv2DBackpropInput matches cpu', async () => {
    const [dy, dyShape] = await dyFor();
    const run = () => tf.engine().runKernel('Conv2DBackpropInput',
      { dy: tf.tensor(dy, dyShape), filter: tf.tensor(w, wShape) }, { strides, pad, dataFormat: 'NHWC', inputShape: xShape }) as tfjs.Tensor;
    const [ours] = await valuesOn('wasm', run);
    const [ref] = await valuesOn('cpu', run);
    expect(relativeError(ours, ref)).toBeLessThanOrEqual(1e-4);
  });
});

// conv2dTranspose runs Conv2DBackpropInput forward; its gradients run Conv2D (for x) and
// Conv2DBackpropFilter with the roles of x and dy swapped (for the filter).
const transposed: [string, Shape4, Shape4, number, 'same' | 'valid'][] = [
  ['3x3 s2 same', [2, 4, 4, 6], [3, 3, 3, 6], 2, 'same'],
  ['3x3 s1 same', [2, 5, 5, 6], [3, 3, 3, 6], 1, 'same'],
  ['1x1 s2 valid', [2, 4, 4, 6], [1, 1, 3, 6], 2, 'valid'],
  ['4x4 s2 valid, odd', [1, 5, 5, 4], [4, 4, 2, 4], 2, 'valid'],
];

describe.each(transposed)('conv2dTranspose %s', (_name, xShape, wShape, stride, pad) => {
  it('forward and both gradients match cpu', async () => {
    const x = randomValues(xShape, 4);
    const w = randomValues(wShape, 5);
    const out = (p: 'same' | 'valid', size: number) => (p === 'same' ? size * stride : (size - 1) * stride + wShape[0]);
    const outShape: Shape4 = [xShape[0], out(pad, xShape[1]), out(pad, xShape[2]), wShape[2]];
    const up = randomValues(outShape, 6);
    const run = () => {
      const f = (a: tfjs.Tensor, b: tfjs.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(a as tfjs.Tensor4D, b as tfjs.Tensor4D, outShape, stride, pad), tf.tensor4d(up, outShape)));
      const { value, grads } = tf.valueAndGrads(f)([tf.tensor4d(x, xShape), tf.tensor4d(w, wShape)]);
      return [tf.conv2dTranspose(tf.tensor4d(x, xShape), tf.tensor4d(w, wShape), outShape, stride, pad), value, ...grads];
    };
    const ours = await valuesOn('wasm', run);
    const ref = await valuesOn('cpu', run);
    ours.forEach((v, i) => expect(relativeError(v, ref[i]), `output ${i}`).toBeLessThanOrEqual(1e-4));
  });
});

describe('phasePlan (one axis of the transposed convolution)', () => {
  it('stride 1 is the flipped kernel, padded by kernel - 1 - pad', () => {
    expect(phasePlan(3, 1, 1)).toEqual({ taps: 3, padBefore: 1, step: 1, source: [[2, 1, 0]] });
  });

  it('3 taps at stride 2: even outputs use taps 2 and 0, odd outputs tap 1', () => {
    expect(phasePlan(3, 2, 0)).toEqual({ taps: 2, padBefore: 1, step: 1, source: [[2, 0], [-1, 1]] });
  });

  it('1x1 at stride 2: odd outputs get no tap at all', () => {
    expect(phasePlan(1, 2, 0)).toEqual({ taps: 1, padBefore: 0, step: 1, source: [[0], [-1]] });
  });

  it('blocked by 2 at stride 1: two phases, the second shifted by one tap', () => {
    expect(phasePlan(3, 1, 1, 2)).toEqual({ taps: 4, padBefore: 1, step: 2, source: [[2, 1, 0, -1], [-1, 2, 1, 0]] });
  });

  it('blocks only what has fewer than 4 channels per pixel', () => {
    expect([blockFor(1), blockFor(3), blockFor(4), blockFor(64)]).toEqual([2, 2, 1, 1]);
  });
});
