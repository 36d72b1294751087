// The engine's Tile (and so broadcastTo) on wasm, and the Sum/Mean gradients built on it, against cpu.
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { randomValues, relativeError, useWasm, valuesOn } from './reference.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

const tiles: [string, number[], number[]][] = [
  ['per-channel vector over a batch of images', [1, 1, 1, 5], [3, 4, 6, 1]],
  ['every axis repeated, odd counts', [2, 3, 2], [3, 1, 5]],
  ['innermost axis repeated', [4, 3], [1, 7]],
  ['rank 1', [5], [4]],
  ['nothing repeated', [2, 3], [1, 1]],
];

describe.each(tiles)('Tile: %s', (_name, shape, reps) => {
  it('matches cpu for float32, int32 and bool', async () => {
    const x = randomValues(shape, 71);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const values = dtype === 'float32' ? x : Int32Array.from(x, (v) => (dtype === 'bool' ? Number(v > 0) : Math.round(v * 100)));
      const run = () => tf.cast(tf.tile(tf.tensor(values, shape, dtype), reps), 'float32');
      const [ours] = await valuesOn('wasm', run);
      const [ref] = await valuesOn('cpu', run);
      expect(Array.from(ours), dtype).toEqual(Array.from(ref));
    }
  });
});

const reductions: [string, number[], number[]][] = [
  ['per channel', [3, 4, 4, 5], [0, 1, 2]],
  ['spatial', [3, 4, 4, 5], [1, 2]],
  ['innermost', [3, 4, 5], [2]],
  ['all', [3, 4], [0, 1]],
];

describe.each(reductions)('Sum and Mean gradients: %s', (_name, shape, axes) => {
  it.each(['sum', 'mean'] as const)('%s', async (op) => {
    const x = randomValues(shape, 72);
    const probe = tf.tidy(() => tf[op](tf.zeros(shape), axes).shape);
    const up = randomValues(probe, 73);
    const run = () => tf.grad((t: tfjs.Tensor) => tf.sum(tf.mul(tf[op](t, axes), tf.tensor(up, probe))))(tf.tensor(x, shape));
    const [ours] = await valuesOn('wasm', run);
    const [ref] = await valuesOn('cpu', run);
    expect(relativeError(ours, ref)).toBeLessThanOrEqual(1e-6);
  });
});
