// The engine's BatchMatMul on wasm (transposed operands through XNNPACK) against cpu.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
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

describe('a product while a gradient is recorded', () => {
  afterEach(() => vi.restoreAllMocks());
  // XNNPACK keeps a packed copy of a product's right-hand operand per tensor id until that tensor
  // is disposed; in a training step that copy is dead weight (batch_mat_mul.ts), so there the
  // product runs on an alias of the operand, which leaves the backend's books right after.
  const cases: [string, (a: tfjs.Tensor, b: tfjs.Tensor, bias: tfjs.Tensor) => tfjs.Tensor][] = [
    ['BatchMatMul', (a, b) => tf.matMul(a, b)],
    // A dense layer with a bias and no activation of its own (VGG's classifier): tfjs fuses it in
    // training too (with a nonlinear activation it runs BatchMatMul, an add and the activation).
    ['_FusedMatMul with a bias (a dense layer)', (a, b, bias) => tf.fused.matMul({ a, b, bias })],
  ];
  it.each(cases)('%s: on an alias while recording, the same bits as outside, the operand intact, no alias left behind', async (_name, product) => {
    await tf.setBackend('wasm');
    const { Scratch } = await import('../../src/backend/kernels/scratch.js');
    const aliases = vi.spyOn(Scratch.prototype, 'alias');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const [a, b, bias] = [tf.tensor(randomValues([6, 40], 71), [6, 40]), tf.tensor(randomValues([40, 24], 72), [40, 24]), tf.tensor(randomValues([24], 73), [24])];
    const bBefore = b.dataSync().slice();
    const outside = tf.tidy(() => product(a, b, bias).dataSync().slice());
    expect(aliases).not.toHaveBeenCalled();
    // An alias lives in the backend's books only, never as a tensor: buffers less tensors stays put.
    const untracked = () => backend.numDataIds() - tf.memory().numTensors;
    const ids = untracked();
    let recorded: Float32Array | null = null;
    for (let i = 0; i < 3; i++) {
      // tf.grad records a tape around the forward pass, as a training step does.
      tf.tidy(() => tf.grad((x: tfjs.Tensor) => {
        const y = product(x, b, bias);
        recorded = y.dataSync().slice() as Float32Array;
        return tf.sum(y);
      })(a));
    }
    // At least once a step (a test file may have the engine's kernels installed over one another).
    expect(aliases.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(untracked()).toBe(ids);
    expect(new Uint32Array((recorded as unknown as Float32Array).buffer)).toEqual(new Uint32Array(outside.buffer));
    expect(b.dataSync()).toEqual(bBefore);
    tf.dispose([a, b, bias]);
  });
});
