// The engine's MaxPoolGrad on wasm: windows whose values are all <= 0 (the stock kernel's
// FLT_MIN seed sends their gradient astray) and ties (the first maximum wins, as on cpu).
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { randomValues, relativeError, useWasm, valuesOn } from './reference.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

function poolGrad(x: tfjs.Tensor4D, pool: number, stride: number, pad: 'same' | 'valid', dy?: Float32Array): tfjs.Tensor {
  const f = (t: tfjs.Tensor) => {
    const y = tf.maxPool(t as tfjs.Tensor4D, pool, stride, pad);
    return tf.sum(dy ? tf.mul(y, tf.tensor(dy, y.shape)) : y);
  };
  return tf.grad(f)(x);
}

describe('max-pool gradient, exact cases', () => {
  it('an all-negative window sends its gradient to its maximum', async () => {
    const x = tf.tensor4d([-1, -2, -3, -4], [1, 2, 2, 1]);
    const [g] = await valuesOn('wasm', () => poolGrad(x, 2, 2, 'valid'));
    expect(Array.from(g)).toEqual([1, 0, 0, 0]);
    x.dispose();
  });

  it('a window of ties (here zeros, as after ReLU) sends it to the first one', async () => {
    const x = tf.tensor4d([0, 0, 0, 0, -5, 0, 0, 0, 0], [1, 3, 3, 1]);
    // 2x2 windows, stride 1, each around the -5: the first zero of each in row-major order gets its 1.
    const [g] = await valuesOn('wasm', () => poolGrad(x, 2, 1, 'valid'));
    expect(Array.from(g)).toEqual([1, 1, 0, 1, 0, 1, 0, 0, 0]);
    x.dispose();
  });

  it('padding never wins, even over all-negative values', async () => {
    const x = tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]);
    const [g] = await valuesOn('wasm', () => poolGrad(x, 3, 1, 'same'));
    // Every 3x3 'same' window covers all four values: each of the 4 outputs picks -1.
    expect(Array.from(g)).toEqual([0, 4, 0, 0]);
    x.dispose();
  });
});

// [name, x shape, pool, stride, pad, make values]
const grid: [string, [number, number, number, number], number, number, 'same' | 'valid', (v: Float32Array) => Float32Array][] = [
  ['2x2 s2, all negative', [2, 8, 8, 3], 2, 2, 'valid', (v) => v.map((a) => -Math.abs(a) - 0.1)],
  ['2x2 s2, quantised (many ties)', [2, 8, 8, 3], 2, 2, 'valid', (v) => v.map((a) => Math.round(a * 2) / 2)],
  ['2x2 s2, ReLU output (zero ties)', [2, 8, 8, 4], 2, 2, 'valid', (v) => v.map((a) => Math.max(0, a))],
  ['3x3 s2 same, odd size, negative', [2, 9, 9, 3], 3, 2, 'same', (v) => v.map((a) => a - 1.5)],
  ['3x3 s1 same', [1, 7, 7, 5], 3, 1, 'same', (v) => v],
  ['3x3 s2 valid (AlexNet)', [2, 11, 11, 3], 3, 2, 'valid', (v) => v.map((a) => -a * a)],
];

describe.each(grid)('max-pool gradient vs cpu: %s', (_name, shape, pool, stride, pad, make) => {
  it('matches', async () => {
    const x = make(randomValues(shape, 11));
    const probe = tf.maxPool(tf.zeros(shape) as tfjs.Tensor4D, pool, stride, pad);
    const dy = randomValues(probe.shape, 12);
    probe.dispose();
    const run = () => [tf.maxPool(tf.tensor4d(x, shape), pool, stride, pad), poolGrad(tf.tensor4d(x, shape), pool, stride, pad, dy)];
    const ours = await valuesOn('wasm', run);
    const ref = await valuesOn('cpu', run);
    expect(relativeError(ours[0], ref[0]), 'forward').toBeLessThanOrEqual(1e-6);
    expect(relativeError(ours[1], ref[1]), 'gradient').toBeLessThanOrEqual(1e-6);
  });
});
