// The fused updates of SGD with momentum, Adam, AdamW and RMSprop on wasm-onednn (native/onednn:
// sgd.cc, adam.cc, rmsprop.cc) against the optimisers' own composition of tfjs kernels on the same backend (the
// oneDNN path switched off for it): every parameter and every slot bit for bit, over a grid of
// their options, after steps whose lr changes, on parameters of odd sizes and gradients from
// 1e-30 to 1e4 (denormals and underflows included). Checkpoints taken on either path resume on
// either. CI sets PIPE_REQUIRE_ONEDNN (test/backend/onednn.test.ts): there the addon is built.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { useOnednn } from '../../src/backend/kernels/onednn_state.js';
import { loadOnednn, type OnednnAddon } from '../../src/backend/onednn.js';
import type { OptimizerConfig } from '../../src/config/types.js';
import { createOptimizer, type EngineOptimizer, type OptimizerState } from '../../src/train/optimizers/index.js';
import { randomValues } from '../backend/reference.js';

const onednn = loadOnednn();
const addon = onednn.addon as OnednnAddon;

// Size 1, odd sizes (the tails of wasm's SIMD kernels), a convolution's filter.
const SHAPES = [[1], [7], [37], [5, 13], [3, 3, 4, 8]];
const STEPS = 6;
/** Powers of ten each gradient value is scaled by, in turn: underflows, denormal products, large values. */
const MAGNITUDES = [-30, -20, -12, -6, -3, -1, 0, 1, 2, 4];

/** The lr of step t (0-based): it changes every step, as a cyclic or a cosine schedule makes it. */
const lrAt = (base: number, t: number) => base * [1, 3, 0.5, 2, 0.25, 1.5, 0.75][t % 7];

function gradient(shape: number[], seed: number): tf.Tensor {
  const values = randomValues(shape, seed).map((v, i) => v * 10 ** MAGNITUDES[(i + seed) % MAGNITUDES.length]);
  return tf.tensor(values, shape);
}

/** The addon with its optimiser calls counted. */
function counting(): { addon: OnednnAddon; calls: { sgd: number; adam: number; rmsprop: number } } {
  const calls = { sgd: 0, adam: 0, rmsprop: 0 };
  return {
    calls,
    addon: {
      conv: (...a) => addon.conv(...a),
      bnorm: (...a) => addon.bnorm(...a),
      maxpoolgrad: (...a) => addon.maxpoolgrad(...a),
      sgd: (...a) => { calls.sgd++; addon.sgd(...a); },
      version: () => addon.version(),
      isa: () => addon.isa(),
      implementation: (p) => addon.implementation(p),
      adam: (...a) => { calls.adam++; addon.adam(...a); },
      rmsprop: (...a) => { calls.rmsprop++; addon.rmsprop(...a); },
    },
  };
}

interface Trained {
  /** Every parameter, then every slot (sorted by name), as raw bits. */
  readonly bits: Uint32Array[];
}

const bitsOf = (arrays: readonly Float32Array[]) => arrays.map((a) => new Uint32Array(Float32Array.from(a).buffer));

/**
 * Steps `from` to `to` (0-based, exclusive) of `config` from the seeded parameters, or from
 * `resume`'s weights and optimiser state; `fused` picks the path. Returns the weights and state.
 */
function train(config: OptimizerConfig, fused: OnednnAddon | null, from: number, to: number, resume?: { weights: Float32Array[]; state: OptimizerState }, consume = false) {
  useOnednn(fused);
  const params = SHAPES.map((s, i) => tf.variable(tf.tensor(resume ? resume.weights[i] : randomValues(s, 20 + i), s)));
  const opt: EngineOptimizer = createOptimizer(config, params);
  if (resume) opt.load(resume.state);
  for (let t = from; t < to; t++) {
    const grads = SHAPES.map((s, i) => gradient(s, 100 * t + i));
    opt.step(grads, lrAt(config.lr as number, t), consume);
    tf.dispose(grads);
  }
  const weights = params.map((p) => p.dataSync().slice() as Float32Array);
  const state = opt.state();
  opt.dispose();
  tf.dispose(params);
  return { weights, state };
}

function bits(r: { weights: Float32Array[]; state: OptimizerState }): Trained {
  const slots = Object.keys(r.state.slots).sort().flatMap((name) => r.state.slots[name]);
  return { bits: bitsOf([...r.weights, ...slots]) };
}

/** Through JSON, as a checkpoint stores it. */
function throughJson(state: OptimizerState): OptimizerState {
  const saved = JSON.parse(JSON.stringify(state, (_k, v: unknown) => (v instanceof Float32Array ? Array.from(v) : v))) as { type: OptimizerConfig['type']; step: number; slots: Record<string, number[][]> };
  return { ...saved, slots: Object.fromEntries(Object.entries(saved.slots).map(([k, arrays]) => [k, arrays.map((a) => Float32Array.from(a))])) };
}

// Every path of sgd.cc's loops: nesterov needs momentum and no dampening (as torch).
const sgdGrid: OptimizerConfig[] = [[0, false], [0, true], [0.25, false]].flatMap(([dampening, nesterov]) =>
  [0, 5e-4].map((weight_decay) => ({ type: 'sgd', lr: 0.1, momentum: 0.9, dampening, nesterov, weight_decay }) as OptimizerConfig));

const adamGrid: OptimizerConfig[] = (['adam', 'adamw'] as const).flatMap((type) =>
  [false, true].flatMap((amsgrad) =>
    [0, 1e-2].flatMap((weight_decay) =>
      [[0.9, 0.999], [0.5, 0.9]].map((betas) => ({ type, lr: 1e-3, betas, eps: 1e-8, weight_decay, amsgrad }) as OptimizerConfig))));

const rmspropGrid: OptimizerConfig[] = [false, true].flatMap((centered) =>
  [0, 0.9].flatMap((momentum) =>
    [0, 1e-2].flatMap((weight_decay) =>
      // torch's defaults, and the seed Inception-ResNet's alpha 0.9 with eps 1.
      [[0.99, 1e-8], [0.9, 1]].map(([alpha, eps]) => ({ type: 'rmsprop', lr: 1e-2, alpha, eps, weight_decay, momentum, centered }) as OptimizerConfig))));

const name = (c: OptimizerConfig) => JSON.stringify(c);

describe.runIf(onednn.addon !== null)('fused SGD, Adam, AdamW and RMSprop on wasm-onednn', () => {
  const counted = counting();
  beforeAll(async () => {
    tf.enableProdMode();
    await initBackend({ backend: 'wasm-onednn', env: {} });
  });
  afterAll(() => useOnednn(addon));

  it.each([...sgdGrid, ...adamGrid, ...rmspropGrid].map((c) => [name(c), c] as const))('%s: every parameter and slot equals the composition\'s, bit for bit, after 6 steps', (_name, config) => {
    const kind = config.type === 'adamw' ? 'adam' : config.type;
    const before = counted.calls[kind];
    const fused = bits(train(config, counted.addon, 0, STEPS));
    expect(counted.calls[kind] - before).toBe(STEPS * SHAPES.length);
    const composed = bits(train(config, null, 0, STEPS));
    expect(fused.bits.length).toBe(composed.bits.length);
    fused.bits.forEach((b, i) => expect(b, `array ${i}`).toEqual(composed.bits[i]));
  });

  it.each([adamGrid[0], adamGrid[15], rmspropGrid[0], rmspropGrid[15]].map((c) => [name(c), c] as const))('%s: a checkpoint from either path resumes on either to the uninterrupted weights', (_name, config) => {
    const whole = bits(train(config, counted.addon, 0, STEPS));
    for (const [first, second] of [[counted.addon, counted.addon], [counted.addon, null], [null, counted.addon]]) {
      const half = train(config, first, 0, 3);
      const resumed = bits(train(config, second, 3, STEPS, { weights: half.weights, state: throughJson(half.state) }));
      resumed.bits.forEach((b, i) => expect(b, `array ${i}`).toEqual(whole.bits[i]));
    }
  });

  it.each([adamGrid[7], adamGrid[15], rmspropGrid[15]].map((c) => [name(c), c] as const))('%s: NaN and infinite gradients give what the composition gives', (_name, config) => {
    // amsgrad's maximum keeps its first operand where either is NaN, as wasm's does on x86.
    const run = (fused: OnednnAddon | null) => {
      useOnednn(fused);
      const p = tf.variable(tf.tensor1d([1, -2, 3, 0.5, -0.25]));
      const opt = createOptimizer(config, [p]);
      for (const g of [[NaN, Infinity, -Infinity, 1, 2], [1, 1, 1, NaN, Infinity]]) tf.tidy(() => opt.step([tf.tensor1d(g)], 1e-3));
      const out = [p.dataSync().slice() as Float32Array, ...Object.keys(opt.state().slots).sort().flatMap((k) => opt.state().slots[k])];
      opt.dispose();
      p.dispose();
      return out;
    };
    // toEqual: NaN equals NaN whatever its sign bit (x86's default NaN is negative, wasm's positive).
    expect(run(counted.addon)).toEqual(run(null));
  });

  it.each([...sgdGrid, ...adamGrid, ...rmspropGrid].map((c) => [name(c), c] as const))('%s: with the gradients handed over (written in place), the same bits as the composition', (_name, config) => {
    const inPlace = bits(train(config, counted.addon, 0, STEPS, undefined, true));
    const composed = bits(train(config, null, 0, STEPS));
    inPlace.bits.forEach((b, i) => expect(b, `array ${i}`).toEqual(composed.bits[i]));
  });

  /** Heap offsets of tensors' buffers on the wasm backend. */
  const offsets = (ts: readonly tf.Tensor[]) => ts.map((t) => (tf.backend() as unknown as { getMemoryOffset(d: object): number }).getMemoryOffset(t.dataId));

  it.each([sgdGrid[5], adamGrid[15], rmspropGrid[15]].map((c) => [name(c), c] as const))('%s: a handed-over step allocates nothing: the parameter takes the gradient\'s buffer, each slot keeps its own', (_name, config) => {
    useOnednn(counted.addon);
    const params = SHAPES.map((s, i) => tf.variable(tf.tensor(randomValues(s, i), s)));
    const opt = createOptimizer(config, params);
    opt.step(SHAPES.map((s, i) => gradient(s, i)), 1e-3, true); // the slots' first values
    const slotVars = (opt as unknown as { slotVars: Record<string, tf.Variable[]> }).slotVars;
    const slots = Object.keys(slotVars).sort().flatMap((k) => slotVars[k]);
    expect(slots.length).toBeGreaterThan(0);
    const [slotsBefore, tensorsBefore] = [offsets(slots), tf.memory().numTensors];
    const grads = SHAPES.map((s, i) => gradient(s, 50 + i));
    const gradOffsets = offsets(grads);
    opt.step(grads, 1e-3, true);
    expect(offsets(params)).toEqual(gradOffsets);
    expect(offsets(slots)).toEqual(slotsBefore);
    expect(grads.every((g) => g.isDisposed)).toBe(true);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    opt.dispose();
    tf.dispose(params);
  });

  it.each([sgdGrid[5], adamGrid[15], rmspropGrid[15]].map((c) => [name(c), c] as const))('%s: a parameter that took a reshaped gradient\'s buffer serves as a dense layer\'s bias', (_name, config) => {
    // wasm's _FusedMatMul reads the bias's rank from the backend's books, where a buffer keeps
    // the shape it was made with: [1, 1, 1, 8] for this gradient.
    useOnednn(counted.addon);
    const bias = tf.variable(tf.tensor1d(randomValues([8], 3)));
    const opt = createOptimizer(config, [bias]);
    const made = gradient([1, 1, 1, 8], 9);
    const grad = tf.reshape(made, [8]);
    made.dispose();
    const offset = offsets([grad])[0];
    opt.step([grad], 1e-3, true);
    expect(offsets([bias])[0]).toBe(offset);
    const [x, w] = [tf.tensor(randomValues([2, 5], 4), [2, 5]), tf.tensor(randomValues([5, 8], 5), [5, 8])];
    const y = tf.fused.matMul({ a: x, b: w, bias });
    expect(y.shape).toEqual([2, 8]);
    tf.dispose([x, w, y, bias]);
    opt.dispose();
  });

  it.each([sgdGrid[5], adamGrid[15], rmspropGrid[15]].map((c) => [name(c), c] as const))('%s: a gradient another tensor shares, or one passed for two parameters, is read and left as it was', (_name, config) => {
    const run = (consume: boolean) => {
      useOnednn(counted.addon);
      const params = [0, 1].map((i) => tf.variable(tf.tensor(randomValues([37], i), [37])));
      const opt = createOptimizer(config, params);
      const shared = gradient([37], 7);
      const held = tf.clone(shared); // the same buffer, one more reference (Identity on wasm)
      const twice = gradient([37], 8);
      const before = [held.dataSync().slice(), twice.dataSync().slice()];
      opt.step([shared, held], 1e-3, consume); // one buffer for both parameters
      opt.step([twice, twice], 1e-3, consume); // one tensor for both
      expect(held.dataSync()).toEqual(before[0]);
      expect(twice.dataSync()).toEqual(before[1]);
      const out = params.map((p) => p.dataSync().slice());
      opt.dispose();
      tf.dispose([...params, shared, held, twice]);
      return out;
    };
    expect(run(true)).toEqual(run(false));
  });

  it.each([adamGrid[15], rmspropGrid[15]].map((c) => [name(c), c] as const))('%s: a fused step leaks no tensor', (_name, config) => {
    useOnednn(counted.addon);
    const params = SHAPES.map((s, i) => tf.variable(tf.tensor(randomValues(s, i), s)));
    const grads = SHAPES.map((s, i) => gradient(s, i));
    const opt = createOptimizer(config, params);
    opt.step(grads, 1e-3);
    const after = tf.memory().numTensors;
    opt.step(grads, 1e-3);
    expect(tf.memory().numTensors).toBe(after);
    opt.dispose();
    tf.dispose([...params, ...grads]);
  });
});
