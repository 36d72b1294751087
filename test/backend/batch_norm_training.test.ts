// The fused batch normalisation of training (src/backend/batch_norm_training.ts): on wasm one engine
// kernel each way; on cpu the op runs tfjs's own composition (moments, batchNorm, autodiff through
// both), which is the reference here.
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, batchNormTraining, fusesBatchNormTraining } from '../../src/backend/batch_norm_training.js';
import { randomValues, relativeError, useWasm, valuesOn } from './reference.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

// [name, x shape, shift added to x (a mean far from 0 tests the variance's precision)]
const grid: [string, number[], number][] = [
  ['a batch of images', [4, 5, 5, 6], 0],
  ['odd sizes', [3, 7, 9, 5], 0],
  ['one channel', [8, 6, 6, 1], 0],
  ['after a dense layer (rank 2)', [16, 7], 0],
  ['rank 3', [5, 11, 4], 0],
  ['a mean of 50 against a spread of 1', [6, 4, 4, 3], 50],
  ['a large batch, many positions per channel', [32, 14, 14, 16], 0],
];

describe.each(grid)('batch norm in training: %s', (_name, shape, shift) => {
  const c = shape[shape.length - 1];
  const x = randomValues(shape, 11).map((v) => v + shift);
  const scale = randomValues([c], 12).map((v) => v + 1.5);
  const offset = randomValues([c], 13);
  const up = randomValues(shape, 14);
  const eps = 1e-5;

  it('y, the batch mean and variance, and the gradients for x, scale and offset match cpu', async () => {
    const run = () => {
      const inputs = [tf.tensor(x, shape), tf.tensor1d(scale), tf.tensor1d(offset)];
      const { value, grads } = tf.valueAndGrads((a: tfjs.Tensor, g: tfjs.Tensor, b: tfjs.Tensor) => {
        const { y } = batchNormTraining(a, g, b, eps);
        return tf.sum(tf.mul(y, tf.tensor(up, shape)));
      })(inputs);
      const { y, mean, variance } = batchNormTraining(inputs[0], inputs[1], inputs[2], eps);
      return [y, mean, variance, value, ...grads];
    };
    const ours = await valuesOn('wasm', run);
    const ref = await valuesOn('cpu', run);
    ['y', 'mean', 'variance', 'loss', 'dx', 'dscale', 'doffset'].forEach((name, i) => {
      expect(relativeError(ours[i], ref[i]), name).toBeLessThanOrEqual(1e-4);
    });
  });

  it('runs as the two fused kernels on wasm, and frees everything but its outputs', async () => {
    await tf.setBackend('wasm');
    const [a, g, b] = [tf.tensor(x, shape), tf.tensor1d(scale), tf.tensor1d(offset)];
    expect(fusesBatchNormTraining(a, g, b)).toBe(true);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const grads = tf.grads((p: tfjs.Tensor, q: tfjs.Tensor, r: tfjs.Tensor) => tf.sum(batchNormTraining(p, q, r, eps).y))([a, g, b]);
      tf.dispose(grads);
    });
    const kernels = new Set(profile.kernels.map((k) => k.name));
    expect(kernels.has(BATCH_NORM_TRAINING) && kernels.has(BATCH_NORM_TRAINING_GRAD)).toBe(true);
    // Neither moments nor the stock batchNorm ran.
    expect(kernels.has('FusedBatchNorm') || kernels.has('Mean')).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, g, b]);
  });
});

describe('where the fused kernel does not apply', () => {
  it('the op takes tfjs composition: on cpu, for parameters not shaped [c], for int32 x', async () => {
    const shape = [4, 3, 3, 2];
    const x = tf.tensor(randomValues(shape, 21), shape);
    const [ones, zeros] = [tf.ones([2]), tf.zeros([2])];
    await tf.setBackend('cpu');
    expect(fusesBatchNormTraining(x, ones, zeros)).toBe(false);
    await tf.setBackend('wasm');
    expect(fusesBatchNormTraining(x, ones, zeros)).toBe(true);
    const [row, ints] = [tf.reshape(ones, [1, 2]), tf.cast(x, 'int32')];
    expect(fusesBatchNormTraining(x, row, zeros)).toBe(false);
    expect(fusesBatchNormTraining(ints, ones, zeros)).toBe(false);
    tf.dispose([x, ones, zeros, row, ints]);
  });
});
