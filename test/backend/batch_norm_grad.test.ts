// The engine's FusedBatchNorm gradient on wasm against tfjs's own (with Tile) on cpu, for the
// shapes tf.layers passes: per-channel parameters as [c] and as [1, 1, 1, c]. tfjs's own gradient
// fails outright for [1, 1, 1, c] parameters (it reshapes a full-size mean gradient to [1, 1, 1, c]),
// so there the reference is the cpu result for the same values given as [c].
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { randomValues, relativeError, useWasm, valuesOn } from './reference.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

const grid: [string, number[], number[]][] = [
  ['[c] parameters', [4, 5, 5, 6], [6]],
  ['[1, 1, 1, c] parameters', [4, 5, 5, 6], [1, 1, 1, 6]],
  ['2-D input (after a dense layer)', [16, 7], [7]],
];

describe.each(grid)('%s', (_name, xShape, pShape) => {
  const refShape = [pShape[pShape.length - 1]];
  it('the gradients for x, mean, variance, scale and offset match', async () => {
    const x = randomValues(xShape, 31);
    const mean = randomValues(pShape, 32);
    const variance = randomValues(pShape, 33).map((v) => v + 1.5);
    const scale = randomValues(pShape, 34);
    const offset = randomValues(pShape, 35);
    const up = randomValues(xShape, 36);
    const run = (shape: number[]) => () => {
      const f = (a: tfjs.Tensor, m: tfjs.Tensor, v: tfjs.Tensor, g: tfjs.Tensor, b: tfjs.Tensor) =>
        tf.sum(tf.mul(tf.batchNorm(a, m, v, b, g, 1e-3), tf.tensor(up, xShape)));
      const inputs = [x, mean, variance, scale, offset].map((v, i) => tf.tensor(v, i === 0 ? xShape : shape));
      return tf.grads(f)(inputs);
    };
    const ours = await valuesOn('wasm', run(pShape));
    const ref = await valuesOn('cpu', run(refShape));
    expect(ours).toHaveLength(5);
    ours.forEach((v, i) => expect(relativeError(v, ref[i]), ['x', 'mean', 'variance', 'scale', 'offset'][i]).toBeLessThanOrEqual(1e-4));
  });

  it('a batch-statistics BatchNorm (moments, as in training) gives the same input gradient', async () => {
    const x = randomValues(xShape, 41);
    const up = randomValues(xShape, 42);
    const axes = xShape.map((_, i) => i).slice(0, -1);
    const run = () => tf.grad((a: tfjs.Tensor) => {
      const { mean, variance } = tf.moments(a, axes);
      // Scale and offset given: tfjs cannot record a batchNorm without them for gradients.
      const [scale, offset] = [tf.ones(refShape), tf.zeros(refShape)];
      return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, offset, scale, 1e-5), tf.tensor(up, xShape)));
    })(tf.tensor(x, xShape));
    const [ours] = await valuesOn('wasm', run);
    const [ref] = await valuesOn('cpu', run);
    expect(relativeError(ours, ref)).toBeLessThanOrEqual(1e-4);
  });
});

// The forward kernel: per-channel parameters folded into one multiply and one add.
const forward: [string, number[], number[] | null, boolean][] = [
  ['[c] parameters with scale and offset', [3, 4, 4, 6], [6], true],
  ['[1, 1, 1, c] parameters', [3, 4, 4, 6], [1, 1, 1, 6], true],
  ['no scale or offset', [5, 6], [6], false],
  ['[w, c] parameters (stock kernel)', [3, 4, 5, 6], [5, 6], true],
];

describe.each(forward)('FusedBatchNorm forward: %s', (_name, xShape, pShape, affine) => {
  it('matches cpu', async () => {
    const shape = pShape as number[];
    const [x, mean, variance, scale, offset] = [xShape, shape, shape, shape, shape].map((s, i) => randomValues(s, 81 + i));
    const run = () => tf.batchNorm(tf.tensor(x, xShape), tf.tensor(mean, shape), tf.tensor(variance.map((v) => v + 1.5), shape),
      affine ? tf.tensor(offset, shape) : undefined, affine ? tf.tensor(scale, shape) : undefined, 1e-3);
    const [ours] = await valuesOn('wasm', run);
    const [ref] = await valuesOn('cpu', run);
    expect(relativeError(ours, ref)).toBeLessThanOrEqual(1e-5);
  });
});
