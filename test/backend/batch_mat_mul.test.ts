// The engine's BatchMatMul on wasm (transposed operands through XNNPACK) against cpu.
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { randomValues, relativeError, useWasm, valuesOn } from './reference.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

// [name, a shape, b shape, transposeA, transposeB]
const grid: [string, number[], number[], boolean, boolean][] = [
  ['a b^T (dense input gradient: small a, transpose a and the product)', [3, 9], [20, 9], false, true],
  ['a b^T (large a: transpose b)', [20, 9], [3, 9], false, true],
  ['a^T b (dense weight gradient)', [9, 6], [9, 5], true, false],
  ['a^T b^T', [9, 6], [5, 9], true, true],
  ['rank 3 with batch 1', [1, 6, 9], [1, 5, 9], false, true],
  ['batch 2 (stock path)', [2, 9, 6], [2, 9, 5], true, false],
  ['no transpose (stock path)', [6, 9], [9, 5], false, false],
];

describe.each(grid)('%s', (_name, aShape, bShape, transposeA, transposeB) => {
  it('matches cpu, shape included', async () => {
    const a = randomValues(aShape, 61);
    const b = randomValues(bShape, 62);
    const run = () => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), transposeA, transposeB);
    const [ours] = await valuesOn('wasm', run);
    const [ref] = await valuesOn('cpu', run);
    expect(relativeError(ours, ref)).toBeLessThanOrEqual(1e-5);
    await tf.setBackend('wasm');
    const shape = tf.tidy(() => run().shape);
    await tf.setBackend('cpu');
    expect(tf.tidy(() => run().shape)).toEqual(shape);
    await tf.setBackend('wasm');
  });
});

it('a dense layer trains with the same gradients as on cpu', async () => {
  const x = randomValues([8, 12], 63);
  const w = randomValues([12, 7], 64);
  const run = () => tf.grads((a: tfjs.Tensor, b: tfjs.Tensor) => tf.sum(tf.square(tf.matMul(a, b))))([tf.tensor(x, [8, 12]), tf.tensor(w, [12, 7])]);
  const ours = await valuesOn('wasm', run);
  const ref = await valuesOn('cpu', run);
  ours.forEach((g, i) => expect(relativeError(g, ref[i])).toBeLessThanOrEqual(1e-5));
});
