// The engine's Sum and Mean on wasm (average pooling over the reduced axes) against cpu, and the
// shapes it leaves to the stock kernels.
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { poolableReduction } from '../../src/backend/kernels/reduce.js';
import { randomValues, relativeError, useWasm, valuesOn } from './reference.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

const grid: [string, number[], number[], boolean][] = [
  ['per channel (BatchNorm statistics)', [8, 6, 6, 5], [0, 1, 2], false],
  ['per channel, keepDims', [8, 6, 6, 5], [0, 1, 2], true],
  ['spatial (global average pooling)', [4, 7, 7, 6], [1, 2], false],
  ['batch only', [16, 3], [0], false],
  ['innermost (stock kernel)', [4, 5, 6], [2], false],
  ['non-contiguous (stock kernel)', [4, 5, 6, 3], [0, 2], true],
  ['all axes (stock kernel)', [4, 5, 6], [0, 1, 2], false],
];

describe.each(grid)('%s', (_name, shape, axes, keepDims) => {
  const x = randomValues(shape, 21).map((v) => v + 3); // an offset: a mean that cancels would hide scale errors
  it.each(['sum', 'mean'] as const)('%s matches cpu', async (op) => {
    const run = () => tf[op](tf.tensor(x, shape), axes, keepDims);
    const [ours] = await valuesOn('wasm', run);
    const [ref] = await valuesOn('cpu', run);
    expect(relativeError(ours, ref)).toBeLessThanOrEqual(1e-5);
    const outShape = tf.tidy(() => run().shape);
    expect(outShape).toEqual(keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i)));
  });
});

describe('poolableReduction', () => {
  it('splits [n, h, w, c] over [0, 1, 2] into [1, n*h*w, c]', () => {
    expect(poolableReduction([8, 6, 6, 5], [2, 0, 1])).toEqual([1, 288, 5]);
  });

  it('leaves reductions over the last axis or with gaps to the stock kernel', () => {
    expect(poolableReduction([4, 5, 6], [2])).toBeNull();
    expect(poolableReduction([4, 5, 6, 3], [0, 2])).toBeNull();
  });

  it('int32 sums stay on the stock kernel', async () => {
    const [ours] = await valuesOn('wasm', () => tf.sum(tf.tensor([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0).cast('float32'));
    expect(Array.from(ours)).toEqual([9, 12]);
  });
});
