// Every optimiser against torch.optim's own trajectories (test/fixtures/optim/optimizers.json,
// written by scripts/make-optim-goldens.py), on the wasm backend the engine trains with and on
// tfjs's plain cpu backend.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import type { OptimizerConfig } from '../../src/config/types.js';
import { InputError } from '../../src/errors.js';
import { createOptimizer, optimizers, type OptimizerState } from '../../src/train/optimizers/index.js';

interface Golden {
  readonly steps: number;
  readonly shapes: number[][];
  readonly init: number[][];
  readonly a: number[][];
  readonly b: number[][];
  readonly c: number[][];
  readonly cases: { type: OptimizerConfig['type']; options: Record<string, unknown> & { lr: number; decay?: boolean }; snapshots: { step: number; params: number[][] }[] }[];
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/optim/optimizers.json', import.meta.url), 'utf8')) as Golden;
const RTOL = 1e-5;

/** The generator's gradient at step t: g = a * (p - c) + s_t * b (a quadratic loss; s_t flips sign). */
function gradients(params: readonly tf.Variable[], t: number): tf.Tensor[] {
  const s = ((t % 7) - 3) / 4;
  return params.map((p, i) =>
    tf.tidy(() => tf.add(tf.mul(tf.tensor(golden.a[i], p.shape), tf.sub(p, tf.tensor(golden.c[i], p.shape))), tf.mul(tf.scalar(s), tf.tensor(golden.b[i], p.shape)))),
  );
}

function lrAt(options: Golden['cases'][number]['options'], t: number): number {
  return options.lr * (options.decay ? 0.5 ** Math.floor((t - 1) / 20) : 1);
}

function configOf(c: Golden['cases'][number]): OptimizerConfig {
  const { decay: _, ...options } = c.options;
  return { type: c.type, ...options } as OptimizerConfig;
}

function makeParams(): tf.Variable[] {
  return golden.shapes.map((shape, i) => tf.tidy(() => tf.variable(tf.tensor(golden.init[i], shape), true)));
}

/** Runs a golden case for `steps` steps, checking every snapshot on the way; returns the worst relative error. */
function replay(c: Golden['cases'][number], params: tf.Variable[], from = 1, to = golden.steps, opt = createOptimizer(configOf(c), params)): number {
  let worst = 0;
  for (let t = from; t <= to; t++) {
    const grads = gradients(params, t);
    opt.step(grads, lrAt(c.options, t));
    tf.dispose(grads);
    const snap = c.snapshots.find((s) => s.step === t);
    if (!snap) continue;
    params.forEach((p, i) => {
      const got = p.dataSync();
      snap.params[i].forEach((want, j) => {
        const err = Math.abs(got[j] - want) / Math.abs(want);
        worst = Math.max(worst, err);
        if (!(err <= RTOL)) expect.fail(`${c.type} ${JSON.stringify(c.options)} step ${t} param ${i}[${j}]: ${got[j]} vs torch ${want} (relative ${err.toExponential(2)})`);
      });
    });
  }
  return worst;
}

const name = (c: Golden['cases'][number]) => `${c.type} ${JSON.stringify(c.options)}`;

describe.each(['wasm', 'cpu'])('optimisers against torch.optim on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', env: {} });
    await tf.setBackend(backend);
  });

  it.each(golden.cases.map((c) => [name(c), c] as const))('%s: 50 steps within a relative 1e-5', (_, c) => {
    const params = makeParams();
    replay(c, params);
    tf.dispose(params);
  });
});

describe('optimiser contract', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', env: {} });
    await tf.setBackend('wasm');
  });

  it('covers every registered optimiser in the goldens', () => {
    expect(new Set(golden.cases.map((c) => c.type))).toEqual(new Set(optimizers.map((o) => o.name)));
  });

  it.each(golden.cases.map((c) => [name(c), c] as const))('%s: leaks no tensor in a step and frees everything in dispose', (_, c) => {
    const before = tf.memory().numTensors;
    const params = makeParams();
    const opt = createOptimizer(configOf(c), params);
    const grads = gradients(params, 1);
    opt.step(grads, c.options.lr);
    const afterFirst = tf.memory().numTensors;
    opt.step(grads, c.options.lr);
    expect(tf.memory().numTensors).toBe(afterFirst);
    tf.dispose(grads);
    opt.dispose();
    tf.dispose(params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(golden.cases.map((c) => [name(c), c] as const))('%s: resumes from a saved state exactly as if never stopped', (_, c) => {
    const params = makeParams();
    const first = createOptimizer(configOf(c), params);
    replay(c, params, 1, 20, first);
    // Through JSON as a checkpoint would store it (typed arrays as plain lists).
    const saved = JSON.parse(JSON.stringify(first.state(), (_k, v: unknown) => (v instanceof Float32Array ? Array.from(v) : v))) as { type: OptimizerConfig['type']; step: number; slots: Record<string, number[][]> };
    first.dispose();
    const state: OptimizerState = { ...saved, slots: Object.fromEntries(Object.entries(saved.slots).map(([k, arrays]) => [k, arrays.map((a) => Float32Array.from(a))])) };
    expect(state.step).toBe(20);
    const second = createOptimizer(configOf(c), params);
    second.load(state);
    replay(c, params, 21, golden.steps, second);
    second.dispose();
    tf.dispose(params);
  });

  // One kernel per term of torch's formula, in one tidy per parameter: this pins the count so an
  // extra pass over every weight (the update is memory-bound) does not slip in unnoticed.
  it.each([
    [{ type: 'sgd', lr: 0.1 }, 2],
    [{ type: 'sgd', lr: 0.1, momentum: 0.9, weight_decay: 1e-4 }, 6],
    [{ type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }, 6],
    [{ type: 'adam', lr: 0.1 }, 13],
    [{ type: 'adam', lr: 0.1, weight_decay: 0.1, amsgrad: true }, 16],
    [{ type: 'adamw', lr: 0.1 }, 14],
    [{ type: 'rmsprop', lr: 0.1 }, 9],
    [{ type: 'rmsprop', lr: 0.1, centered: true, momentum: 0.9 }, 16],
  ] as const)('%j runs %i kernels per parameter and step', async (config, kernels) => {
    const p = tf.variable(tf.ones([4]));
    const g = tf.ones([4]);
    const opt = createOptimizer(config as OptimizerConfig, [p]);
    opt.step([g], 0.1);
    const profile = await tf.profile(() => opt.step([g], 0.1));
    expect(profile.kernels.map((k) => k.name)).toHaveLength(kernels);
    opt.dispose();
    tf.dispose([p, g]);
  });

  it('names its slots as torch does', () => {
    const params = makeParams();
    const slotsOf = (config: OptimizerConfig) => {
      const opt = createOptimizer(config, params);
      const names = Object.keys(opt.state().slots).sort();
      opt.dispose();
      return names;
    };
    expect(slotsOf({ type: 'sgd', lr: 0.1 })).toEqual([]);
    expect(slotsOf({ type: 'sgd', lr: 0.1, momentum: 0.9 })).toEqual(['momentum_buffer']);
    expect(slotsOf({ type: 'adam', lr: 0.1 })).toEqual(['exp_avg', 'exp_avg_sq']);
    expect(slotsOf({ type: 'adamw', lr: 0.1, amsgrad: true })).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    expect(slotsOf({ type: 'rmsprop', lr: 0.1, centered: true, momentum: 0.5 })).toEqual(['grad_avg', 'momentum_buffer', 'square_avg']);
    tf.dispose(params);
  });

  it('refuses a state from another optimiser or other parameters, saying which', () => {
    const params = makeParams();
    const adam = createOptimizer({ type: 'adam', lr: 0.1 }, params);
    const sgd = createOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.9 }, params);
    expect(() => sgd.load(adam.state())).toThrow(new InputError([{ path: 'optimizer state', message: "is for adam, but this stage's optimizer is sgd" }]));
    const wrongSize = { type: 'sgd' as const, step: 3, slots: { momentum_buffer: [new Float32Array(6), new Float32Array(5)] } };
    expect(() => sgd.load(wrongSize)).toThrow('momentum_buffer[1]: 5 values for a parameter of shape [4]');
    const wrongSlots = { type: 'sgd' as const, step: 3, slots: {} };
    expect(() => sgd.load(wrongSlots)).toThrow('has slots none, but sgd with these options keeps momentum_buffer');
    adam.dispose();
    sgd.dispose();
    tf.dispose(params);
  });

  it('refuses nesterov without momentum, as torch does, and an unknown type', () => {
    const params = makeParams();
    expect(() => createOptimizer({ type: 'sgd', lr: 0.1, nesterov: true }, params)).toThrow('nesterov needs momentum > 0 and dampening 0');
    expect(() => createOptimizer({ type: 'lamb' as never, lr: 0.1 }, params)).toThrow("unknown optimizer 'lamb' (known: sgd, adam, adamw, rmsprop)");
    tf.dispose(params);
  });

  it('puts eps outside the square root in RMSprop, unlike tf.train.rmsprop', () => {
    // One step from zero state with eps = 1: torch's update is lr * g / (sqrt((1 - alpha) g^2) + 1).
    const p = tf.variable(tf.tensor1d([0]));
    const opt = createOptimizer({ type: 'rmsprop', lr: 1, alpha: 0.75, eps: 1 }, [p]);
    const g = tf.tensor1d([2]);
    opt.step([g], 1);
    expect(p.dataSync()[0]).toBeCloseTo(-2 / (Math.sqrt(0.25 * 4) + 1), 6);
    opt.dispose();
    tf.dispose([p, g]);
  });
});
