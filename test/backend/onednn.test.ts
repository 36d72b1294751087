// The wasm-onednn backend: oneDNN's convolutions (native/onednn) against tfjs's cpu backend over
// a grid of shapes, the cases it leaves to the kernels before it, the addon's own checks, and
// its build script's way of failing. CI installs libdnnl-dev and sets PIPE_REQUIRE_ONEDNN, so
// there a missing addon is a failure, not a skip.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining } from '../../src/backend/batch_norm_training.js';
import { createOptimizer } from '../../src/train/optimizers/index.js';
import { initBackend } from '../../src/backend/index.js';
import { useOnednn } from '../../src/backend/kernels/onednn_state.js';
import { loadOnednn, type OnednnAddon } from '../../src/backend/onednn.js';
import { randomValues, relativeError, valuesOn } from './reference.js';

const onednn = loadOnednn();
const available = onednn.addon !== null;

it.runIf(Boolean(process.env.PIPE_REQUIRE_ONEDNN))('the addon is built and loads (CI installed libdnnl-dev)', () => {
  expect(onednn.reason).toBeNull();
});

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
// [name, x shape, filter shape, strides, pad, dilations]
const grid: [string, Shape4, Shape4, number | [number, number], Pad, number][] = [
  ['3x3 s1 same', [2, 9, 9, 3], [3, 3, 3, 4], 1, 'same', 1],
  ['3x3 s2 same, odd', [2, 9, 9, 8], [3, 3, 8, 4], 2, 'same', 1],
  ['3x3 s2 valid, even', [2, 8, 8, 3], [3, 3, 3, 5], 2, 'valid', 1],
  ['1x1 s2 valid (shortcut)', [2, 8, 8, 16], [1, 1, 16, 32], 2, 'valid', 1],
  ['7x7 s1 same, 1 channel (stem)', [3, 12, 12, 1], [7, 7, 1, 16], 1, 'same', 1],
  ['3x3 strides [2, 1], explicit pad', [2, 9, 8, 3], [3, 3, 3, 4], [2, 1], [[0, 0], [2, 0], [0, 1], [0, 0]], 1],
  ['1x7 s1 same', [2, 7, 9, 4], [1, 7, 4, 6], 1, 'same', 1],
  ['3x3 dilation 2 (forward only: tfjs has no dilated gradients)', [2, 11, 10, 3], [3, 3, 3, 4], 1, 'valid', 2],
];

/**
 * The addon with its calls counted: convolutions by operation (0 forward, 1 input gradient, 2
 * filter gradient), batch normalisations by direction (0 forward, 1 backward).
 */
function counting(addon: OnednnAddon): { addon: OnednnAddon; calls: number[]; norms: number[]; sgd: number[]; pools: number[] } {
  const [calls, norms, sgd, pools] = [[0, 0, 0], [0, 0], [0], [0]];
  return {
    calls,
    norms,
    sgd,
    pools,
    addon: {
      maxpoolgrad: (p, x, dy, dx) => { pools[0]++; addon.maxpoolgrad(p, x, dy, dx); },
      version: () => addon.version(),
      isa: () => addon.isa(),
      implementation: (p) => addon.implementation(p),
      conv: (p, a, b, bias, out) => { calls[p[0]]++; addon.conv(p, a, b, bias, out); },
      bnorm: (p, eps, arrays) => { norms[p[0]]++; addon.bnorm(p, eps, arrays); },
      sgd: (settings, flags, arrays) => { sgd[0]++; addon.sgd(settings, flags, arrays); },
      adam: (settings, flags, arrays) => addon.adam(settings, flags, arrays),
      rmsprop: (settings, flags, arrays) => addon.rmsprop(settings, flags, arrays),
    },
  };
}

describe.runIf(available)('oneDNN convolutions on the wasm heap', () => {
  const counted = available ? counting(onednn.addon as OnednnAddon) : null;
  beforeAll(async () => {
    tf.enableProdMode();
    await initBackend({ backend: 'wasm-onednn', env: {} });
    useOnednn(counted!.addon);
  });
  afterAll(() => useOnednn(onednn.addon));

  describe.each(grid)('%s', (_name, xShape, wShape, strides, pad, dilations) => {
    const x = randomValues(xShape, 1);
    const w = randomValues(wShape, 2);
    const bias = randomValues([wShape[3]], 3);

    it('forward, fused bias + ReLU, input and filter gradients match cpu', async () => {
      const compute = () => {
        const [xt, wt, bt] = [tf.tensor4d(x, xShape), tf.tensor4d(w, wShape), tf.tensor1d(bias)];
        const y = tf.conv2d(xt, wt, strides, pad, 'NHWC', dilations);
        const fused = tf.fused.conv2d({ x: xt, filter: wt, bias: bt, strides, pad, dilations, activation: 'relu' });
        if (dilations > 1) return [y, fused];
        // A loss that weights every output differently, so that no gradient is uniform.
        const weights = tf.tensor(randomValues(y.shape, 4), y.shape);
        const [dx, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, strides, pad), weights)))([xt, wt]);
        return [y, fused, dx, dw];
      };
      const before = [...counted!.calls];
      const ours = await valuesOn('wasm', compute);
      const calls = counted!.calls.map((c, i) => c - before[i]);
      const reference = await valuesOn('cpu', compute);
      ours.forEach((values, i) => expect(relativeError(values, reference[i]), `output ${i}`).toBeLessThan(1e-5));
      // Every one of them went through oneDNN: three forward convolutions (tf.grads runs its own),
      // one of each gradient.
      expect(calls).toEqual(dilations > 1 ? [2, 0, 0] : [3, 1, 1]);
    });
  });

  // [name, x shape, shift added to x (a mean far from 0 tests the variance's precision)]
  it.each([
    ['images', [4, 5, 5, 6], 0], ['one channel', [8, 6, 6, 1], 0], ['rank 2', [16, 7], 0], ['rank 3', [5, 11, 4], 0],
    ['a mean of 50 against a spread of 1', [6, 4, 4, 3], 50], ['many positions per channel', [32, 14, 14, 16], 0],
  ] as [string, number[], number][])('batch norm in training, %s: y, mean, variance and the three gradients match cpu', async (_name, shape, shift) => {
    const c = shape[shape.length - 1];
    const x = randomValues(shape, 11).map((v) => v + shift);
    const [scale, offset, up] = [randomValues([c], 12).map((v) => v + 1.5), randomValues([c], 13), randomValues(shape, 14)];
    const compute = () => {
      const inputs = [tf.tensor(x, shape), tf.tensor1d(scale), tf.tensor1d(offset)];
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(a, g, b, 1e-5).y, tf.tensor(up, shape))))(inputs);
      const { y, mean, variance } = batchNormTraining(inputs[0], inputs[1], inputs[2], 1e-5);
      return [y, mean, variance, value, ...grads];
    };
    const before = [...counted!.norms];
    const ours = await valuesOn('wasm', compute);
    expect(counted!.norms.map((n, i) => n - before[i])).toEqual([2, 1]);
    const reference = await valuesOn('cpu', compute);
    ['y', 'mean', 'variance', 'loss', 'dx', 'dscale', 'doffset'].forEach((name, i) => expect(relativeError(ours[i], reference[i]), name).toBeLessThanOrEqual(1e-4));
  });

  it.each([
    ['momentum and weight decay (the seed pipelines\' SGD)', { momentum: 0.9, weight_decay: 5e-4 }],
    ['dampening', { momentum: 0.8, dampening: 0.25, weight_decay: 1e-3 }],
    ['nesterov, no weight decay', { momentum: 0.9, nesterov: true }],
  ] as [string, Record<string, unknown>][])('SGD with %s: the fused update gives the composition\'s weights and buffers bit for bit', async (_name, settings) => {
    const shapes = [[3, 3, 4, 8], [8], [37]];
    const train = (fused: boolean) => {
      useOnednn(fused ? counted!.addon : null);
      const params = shapes.map((s, i) => tf.variable(tf.tensor(randomValues(s, 20 + i), s)));
      const opt = createOptimizer({ type: 'sgd', lr: 0.1, ...settings } as never, params);
      for (let step = 0; step < 3; step++) {
        const grads = shapes.map((s, i) => tf.tensor(randomValues(s, 30 + 10 * step + i), s));
        opt.step(grads, step === 2 ? 0.01 : 0.1);
        tf.dispose(grads);
      }
      const out = [...params.map((p) => p.dataSync().slice()), ...opt.state().slots.momentum_buffer];
      opt.dispose();
      tf.dispose(params);
      return out;
    };
    const before = counted!.sgd[0];
    const fused = train(true);
    expect(counted!.sgd[0] - before).toBe(9);
    expect(fused).toEqual(train(false));
    useOnednn(counted!.addon);
  });

  // The native loop is the engine's JavaScript one step for step: the same dx bit for bit, on
  // windows that overlap (stride below the window), padded ('same'), of values all <= 0 (where
  // tfjs-backend-wasm's own kernel picks wrong) and with ties (the first maximum wins).
  it.each([
    ['3x3 windows, stride 2, same padding', [2, 9, 9, 5], 3, 2, 'same'],
    ['2x2 windows, stride 2, valid', [3, 8, 8, 16], 2, 2, 'valid'],
    ['3x3 windows, stride 1, valid, ties', [1, 6, 7, 3], 3, 1, 'valid'],
  ] as [string, Shape4, number, number, 'same' | 'valid'][])('max pooling\'s gradient, %s: the native loop gives the engine\'s dx bit for bit', async (_name, shape, k, stride, pad) => {
    // Negative values and (in the third case) whole numbers: windows of values <= 0, and ties.
    const values = (seed: number) => { const v = randomValues(shape, seed); return shape[0] === 1 ? v.map((x) => Math.round(x * 2) - 3) : v.map((x) => x - 2); };
    const gradient = (native: boolean) => {
      useOnednn(native ? counted!.addon : null);
      const x = tf.tensor4d(values(41), shape);
      const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, stride, pad), tf.range(1, 1 + tf.maxPool(x, k, stride, pad).size).reshape(tf.maxPool(x, k, stride, pad).shape))))([x]);
      const out = dx.dataSync().slice() as Float32Array;
      tf.dispose([x, dx]);
      return out;
    };
    const before = counted!.pools[0];
    const native = gradient(true);
    expect(counted!.pools[0] - before).toBe(1);
    expect(native).toEqual(gradient(false));
    expect(native.some((v) => v !== 0)).toBe(true);
    useOnednn(counted!.addon);
    // And tfjs's cpu backend agrees (its own tie rule: the first maximum), up to the sums' order.
    const cpu = await valuesOn('cpu', () => tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, stride, pad), tf.range(1, 1 + tf.maxPool(tf.tensor4d(values(41), shape), k, stride, pad).size).reshape(tf.maxPool(tf.tensor4d(values(41), shape), k, stride, pad).shape))))([tf.tensor4d(values(41), shape)])[0]);
    expect(relativeError(native, cpu[0])).toBeLessThan(1e-6);
  });

  it('leaves a fused activation it does not fuse (sigmoid) to the kernel before it, with the same result as cpu', async () => {
    const [xShape, wShape]: Shape4[] = [[2, 6, 6, 3], [3, 3, 3, 4]];
    const compute = () => tf.fused.conv2d({ x: tf.tensor4d(randomValues(xShape, 5), xShape), filter: tf.tensor4d(randomValues(wShape, 6), wShape), bias: tf.tensor1d(randomValues([4], 7)), strides: 1, pad: 'same', activation: 'sigmoid' });
    const before = counted!.calls[0];
    const [ours] = await valuesOn('wasm', compute);
    expect(counted!.calls[0]).toBe(before);
    expect(relativeError(ours, (await valuesOn('cpu', compute))[0])).toBeLessThan(1e-5);
  });

  it('frees what it made: one output per call, nothing else left on the backend', async () => {
    const [xShape, wShape]: Shape4[] = [[2, 8, 8, 4], [3, 3, 4, 8]];
    const [xt, wt] = [tf.tensor4d(randomValues(xShape, 8), xShape), tf.tensor4d(randomValues(wShape, 9), wShape)];
    const before = tf.memory().numTensors;
    const [dx, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 2, 'same')))([xt, wt]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([dx, dw, xt, wt]);
  });

  it('switched off (plain wasm), the same calls go to XNNPACK and the engine kernels', async () => {
    await initBackend({ backend: 'wasm', env: {} });
    const before = [...counted!.calls];
    const [xShape, wShape]: Shape4[] = [[2, 8, 8, 4], [3, 3, 4, 8]];
    await valuesOn('wasm', () => tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')))([tf.tensor4d(randomValues(xShape, 1), xShape), tf.tensor4d(randomValues(wShape, 2), wShape)]));
    expect(counted!.calls).toEqual(before);
    await initBackend({ backend: 'wasm-onednn', env: {} });
    useOnednn(counted!.addon);
  });
});

describe.runIf(available)('the addon checks its arguments', () => {
  // forward, n h w c oc kh kw oh ow, strides, dilations, pads (t l b r), bias, relu, threads
  const params = (over: Partial<Record<number, number>> = {}) => {
    const p = Int32Array.from([0, 1, 4, 4, 2, 3, 3, 3, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1]);
    for (const [i, v] of Object.entries(over)) p[Number(i)] = v as number;
    return p;
  };
  const addon = onednn.addon as OnednnAddon;
  const [x, w, y] = [new Float32Array(32), new Float32Array(54), new Float32Array(48)];

  it('computes a 3x3 convolution of ones: each output counts the taps inside the image', () => {
    x.fill(1);
    w.fill(1);
    addon.conv(params(), x, w, null, y);
    // Output channel 0 of the 4x4 image: corners see 4 pixels x 2 channels, edges 6 x 2, inside 9 x 2.
    expect(Array.from({ length: 16 }, (_, i) => y[i * 3])).toEqual([8, 12, 12, 8, 12, 18, 18, 12, 12, 18, 18, 12, 8, 12, 12, 8]);
  });

  it('sgd refuses arrays of different lengths and malformed settings', () => {
    const [a, b] = [new Float32Array(4), new Float32Array(3)];
    const settings = Float64Array.from([0.1, 0.9, 0, 0]);
    const flags = Int32Array.from([0, 0]);
    expect(() => addon.sgd(settings, flags, [a, a, a, a, b])).toThrow('sgd: arrays must be of one length');
    expect(() => addon.sgd(settings, flags, [a, a, a, a])).toThrow('sgd: takes 5 arrays: param, grad, buf, param_out, buf_out');
    expect(() => addon.sgd(Float64Array.from([0.1]), flags, [a, a, a, a, a])).toThrow('sgd: settings must be a Float64Array of 4');
    expect(() => addon.sgd(settings, Int32Array.from([1]), [a, a, a, a, a])).toThrow('sgd: flags must be an Int32Array of 2');
  });

  it('adam refuses arrays of different lengths, a count its flags do not take and malformed settings', () => {
    const [a, b] = [new Float32Array(4), new Float32Array(3)];
    const settings = Float64Array.from([0.1, 0.5, 1, 0, 0.9, 0.999, 1e-8]);
    const [plain, amsgrad] = [Int32Array.from([0, 0]), Int32Array.from([1, 1])];
    expect(() => addon.adam(settings, plain, [a, a, a, a, a, a, b])).toThrow('adam: arrays must be of one length');
    expect(() => addon.adam(settings, plain, [a, a, a, a, a, a, a, a, a])).toThrow('adam: takes 7 arrays here: param, grad, exp_avg, exp_avg_sq, param_out, exp_avg_out, exp_avg_sq_out');
    expect(() => addon.adam(settings, amsgrad, [a, a, a, a, a, a, a])).toThrow('adam: takes 9 arrays here: param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, param_out, exp_avg_out, exp_avg_sq_out, max_exp_avg_sq_out');
    expect(() => addon.adam(settings.subarray(1), plain, [a, a, a, a, a, a, a])).toThrow('adam: settings must be a Float64Array of 7');
    expect(() => addon.adam(settings, Int32Array.from([1]), [a, a, a, a, a, a, a])).toThrow('adam: flags must be an Int32Array of 2');
  });

  it('rmsprop refuses arrays of different lengths, a count its options do not take and malformed settings', () => {
    const [a, b] = [new Float32Array(4), new Float32Array(3)];
    const settings = (momentum: number) => Float64Array.from([0.01, 0.99, 1e-8, 0, momentum]);
    const [plain, centered] = [Int32Array.from([0]), Int32Array.from([1])];
    expect(() => addon.rmsprop(settings(0), plain, [a, a, a, a, b])).toThrow('rmsprop: arrays must be of one length');
    expect(() => addon.rmsprop(settings(0), plain, [a, a, a, a])).toThrow('rmsprop: takes 5 arrays here: param, grad, square_avg, param_out, square_avg_out');
    expect(() => addon.rmsprop(settings(0.9), centered, [a, a, a, a, a])).toThrow('rmsprop: takes 9 arrays here: param, grad, square_avg, grad_avg, momentum_buffer, param_out, square_avg_out, grad_avg_out, momentum_buffer_out');
    expect(() => addon.rmsprop(settings(0.9), plain, [a, a, a, a, a, a, a, a, a, a])).toThrow('rmsprop: takes 7 arrays here: param, grad, square_avg, momentum_buffer, param_out, square_avg_out, momentum_buffer_out');
    expect(() => addon.rmsprop(Float64Array.from([0.01]), plain, [a, a, a, a, a])).toThrow('rmsprop: settings must be a Float64Array of 5');
    expect(() => addon.rmsprop(settings(0), Int32Array.from([0, 0]), [a, a, a, a, a])).toThrow('rmsprop: flags must be an Int32Array of 1');
  });

  it('adam and rmsprop compute one step of torch\'s formula', () => {
    // From zero state with g = 2, amsgrad, no decay: m = 0.2, v = 0.004, p = 1 - lr * m / (sqrt(v) / sqrt(0.001) + eps) / 0.1.
    const [p, g, m, v, vMax, pOut, mOut, vOut, vMaxOut] = Array.from({ length: 9 }, () => new Float32Array(1));
    p[0] = 1;
    g[0] = 2;
    addon.adam(Float64Array.from([0.01 / (1 - 0.9), Math.sqrt(1 - 0.999), 1, 0, 0.9, 0.999, 1e-8]), Int32Array.from([0, 1]), [p, g, m, v, vMax, pOut, mOut, vOut, vMaxOut]);
    expect([mOut[0], vOut[0], vMaxOut[0]]).toEqual([Math.fround(0.2), Math.fround(Math.fround(2 * Math.fround(0.001)) * 2), vOut[0]]);
    expect(pOut[0]).toBeCloseTo(1 - 0.01, 6);
    // RMSprop, centered, from zero state with g = 2, alpha 0.75, eps 1: sq = 1, ga = 0.5, p = 1 - 2 / (sqrt(0.75) + 1).
    const [sq, ga, sqOut, gaOut] = Array.from({ length: 4 }, () => new Float32Array(1));
    addon.rmsprop(Float64Array.from([1, 0.75, 1, 0, 0]), Int32Array.from([1]), [p, g, sq, ga, pOut, sqOut, gaOut]);
    expect([sqOut[0], gaOut[0]]).toEqual([1, 0.5]);
    expect(pOut[0]).toBeCloseTo(1 - 2 / (Math.sqrt(0.75) + 1), 6);
  });

  it('bnorm refuses a wrong number of arrays, sizes that do not match and a bad epsilon', () => {
    const [data, stat] = [new Float32Array(12), new Float32Array(3)];
    const params = Int32Array.from([0, 4, 3, 1]);
    expect(() => addon.bnorm(params, 1e-5, [data, stat, stat, data, stat])).toThrow('bnorm: forward takes 6 arrays');
    expect(() => addon.bnorm(params, 1e-5, [data, stat, stat, data, stat, new Float32Array(4)])).toThrow('bnorm: operand sizes do not match positions x channels');
    expect(() => addon.bnorm(params, 0, [data, stat, stat, data, stat, stat])).toThrow('bnorm: epsilon must be a positive number');
    expect(() => addon.bnorm(params, 1e-5, [data, stat, stat, data, stat, new Float64Array(3) as unknown as Float32Array])).toThrow('bnorm: operands must be an array of Float32Arrays');
    expect(() => addon.bnorm(Int32Array.from([6, 4, 3, 1]), 1e-5, [])).toThrow('bnorm: bad params');
    // The passes of shared statistics (ops 2-5): their own counts and sizes.
    expect(() => addon.bnorm(Int32Array.from([2, 4, 3, 1]), 1e-5, [data, stat])).toThrow('bnorm: wrong number of arrays for this op');
    expect(() => addon.bnorm(Int32Array.from([3, 4, 3, 1]), 1e-5, [data, stat, stat, stat, stat])).toThrow('bnorm: operand sizes do not match positions x channels');
    expect(() => addon.bnorm(Int32Array.from([5, 4, 3, 1]), 1e-5, [data, data, stat, stat, stat, stat, new Float32Array(11)])).toThrow('bnorm: operand sizes do not match positions x channels');
  });

  it('maxpoolgrad refuses bad params and sizes that do not match', () => {
    // n ih iw c, oh ow, strides, window, pads: 1x4x4x2 pooled 2x2 to 1x2x2x2.
    const ok = Int32Array.from([1, 4, 4, 2, 2, 2, 2, 2, 2, 2, 0, 0]);
    const [x, dy, dx] = [new Float32Array(32), new Float32Array(8), new Float32Array(32)];
    expect(() => addon.maxpoolgrad(ok, x, dy, dx)).not.toThrow();
    expect(() => addon.maxpoolgrad(ok.subarray(1), x, dy, dx)).toThrow('maxpoolgrad: params must be an Int32Array of 12');
    expect(() => addon.maxpoolgrad(Int32Array.from([1, 4, 4, 2, 2, 2, 0, 2, 2, 2, 0, 0]), x, dy, dx)).toThrow('maxpoolgrad: bad params');
    expect(() => addon.maxpoolgrad(ok, x, new Float32Array(9), dx)).toThrow('maxpoolgrad: operand sizes do not match the pooling\'s shape');
    expect(() => addon.maxpoolgrad(ok, x, dy, new Float64Array(32) as unknown as Float32Array)).toThrow('maxpoolgrad: x, dy and dx must be Float32Arrays');
  });

  it('bnorm\'s passes for shared statistics compute what they say, against double precision', () => {
    const [P, C] = [37, 5];
    const x = Float32Array.from({ length: P * C }, (_, i) => 100 + Math.sin(i * 1.3) * 3 + (i % C));
    const dy = Float32Array.from({ length: P * C }, (_, i) => Math.cos(i * 0.7));
    const per = (f: (c: number) => number) => Float32Array.from({ length: C }, (_, c) => f(c));
    const op = (code: number, arrays: Float32Array[]) => addon.bnorm(Int32Array.from([code, P, C, 1]), 1e-5, arrays);
    const column = (a: Float32Array, c: number) => Array.from({ length: P }, (_, i) => a[i * C + c]);
    const near = (got: number, want: number, tol: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * (1 + Math.abs(want)));
    // Moments: the mean and the sum of squared deviations from it.
    const [mean, m2] = [new Float32Array(C), new Float32Array(C)];
    op(2, [x, mean, m2]);
    for (let c = 0; c < C; c++) {
      const xs = column(x, c);
      const m = xs.reduce((a, b) => a + b, 0) / P;
      near(mean[c], m, 1e-7);
      near(m2[c], xs.reduce((a, v) => a + (v - mean[c]) ** 2, 0), 1e-6);
    }
    // The affine pass: y = (x - mean) * a + b.
    const [a, b, k] = [per((c) => 0.5 + c), per((c) => c - 2), per((c) => 0.25 * c)];
    const y = new Float32Array(P * C);
    op(3, [x, mean, a, b, y]);
    y.forEach((v, i) => near(v, (x[i] - mean[i % C]) * a[i % C] + b[i % C], 1e-6));
    // The gradient's sums: db = sum dy, dg = sum dy * (x - mean) * rstd.
    const rstd = per((c) => 1 / Math.sqrt(m2[c] / P + 1e-5));
    const [db, dg] = [new Float32Array(C), new Float32Array(C)];
    op(4, [dy, x, mean, rstd, db, dg]);
    for (let c = 0; c < C; c++) {
      near(db[c], column(dy, c).reduce((s, v) => s + v, 0), 1e-6);
      near(dg[c], column(dy, c).reduce((s, v, i) => s + v * (x[i * C + c] - mean[c]) * rstd[c], 0), 1e-5);
    }
    // The input's gradient: dx = dy * a + (x - mean) * b + k.
    const dx = new Float32Array(P * C);
    op(5, [dy, x, mean, a, b, k, dx]);
    dx.forEach((v, i) => near(v, dy[i] * a[i % C] + (x[i] - mean[i % C]) * b[i % C] + k[i % C], 1e-6));
  });

  it('refuses operands whose sizes do not match the shape, a wrong params array and a bias missing its values', () => {
    expect(() => addon.conv(params(), x.subarray(1), w, null, y)).toThrow('conv: operand sizes do not match the convolution\'s shape');
    expect(() => addon.conv(params({ 1: 2 }), x, w, null, y)).toThrow('conv: operand sizes do not match the convolution\'s shape');
    expect(() => addon.conv(params({ 18: 1 }), x, w, new Float32Array(2), y)).toThrow('conv: operand sizes do not match the convolution\'s shape');
    expect(() => addon.conv(params().subarray(1), x, w, null, y)).toThrow('conv: params must be an Int32Array of 21');
    expect(() => addon.conv(params(), new Float64Array(32) as unknown as Float32Array, w, null, y)).toThrow('conv: operands must be Float32Arrays (bias may be null)');
    expect(() => addon.conv(params({ 20: 0 }), x, w, null, y)).toThrow('conv: threads must be at least 1');
  });

  it("turns oneDNN's own refusal (an output size the padding cannot give) into an error", () => {
    // 4 + 1 + 1 - 3 + 1 = 4 outputs per row, not 5.
    const p = params({ 8: 5, 9: 5 });
    expect(() => addon.conv(p, x, w, null, new Float32Array(75))).toThrow(/^oneDNN: /);
    expect(() => addon.implementation(p)).toThrow(/^oneDNN: /);
    // A valid one is named as oneDNN names its implementations: kind:isa, e.g. brgconv:avx512_core.
    expect(addon.implementation(params())).toMatch(/^\w+:\w+$/);
  });
});

describe('build.mjs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pipe-onednn-build-'));
    const source = join(import.meta.dirname, '../../native/onednn');
    cpSync(source, dir, { recursive: true, filter: (src) => !src.startsWith(join(source, 'build')) || src.endsWith('.mjs') });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const build = (env: Record<string, string>) => spawnSync(process.execPath, ['build.mjs'], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
  const loadError = () => {
    try {
      createRequire(join(dir, 'index.cjs'))(join(dir, 'index.cjs'));
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('where it cannot build, says why in build/reason.txt, exits 0 (the install goes on) and leaves no binary', () => {
    const r = build({ CXX: join(dir, 'no-such-compiler') });
    expect(r.status).toBe(0);
    const reason = readFileSync(join(dir, 'build', 'reason.txt'), 'utf8');
    expect(reason).toMatch(/no-such-compiler did not run .*apt-get install g\+\+ libdnnl-dev/);
    expect(existsSync(join(dir, 'build', 'pipe_onednn.node'))).toBe(false);
    expect(loadError()).toBe(`pipe-onednn was not built: ${reason.trim()}`);
  });

  it('PIPE_ONEDNN_SKIP_BUILD skips it, saying so', () => {
    expect(build({ PIPE_ONEDNN_SKIP_BUILD: '1' }).status).toBe(0);
    expect(readFileSync(join(dir, 'build', 'reason.txt'), 'utf8')).toBe('PIPE_ONEDNN_SKIP_BUILD is set\n');
  });

  it.runIf(available)('builds the addon where g++ and libdnnl-dev are, and removes the old reason', () => {
    const r = build({});
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'build', 'reason.txt'))).toBe(false);
    expect(spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(join(dir, 'index.cjs'))}).version())`], { encoding: 'utf8' }).stdout.trim()).toBe(onednn.addon?.version());
  }, 60_000);
});
