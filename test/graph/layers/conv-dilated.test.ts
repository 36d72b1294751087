// Dilated convs train (conv-dilated.ts): tf.layers' Conv2D with dilationRate > 1 against
// PyTorch's conv2d (scripts/make-dilation-goldens.py), forward and the gradients of x, w and b,
// as a model's first layer (only variables need gradients: the shortcut of
// conv-input-gradient.ts) and as an inner layer (x needs one), on every backend the engine has.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useOnednn } from '../../../src/backend/kernels/onednn_state.js';
import { loadOnednn } from '../../../src/backend/onednn.js';
import { gradientsOfVariablesOnly } from '../../../src/graph/layers/index.js';
import { useWasm } from '../../backend/reference.js';

interface Case {
  name: string; padding: [number, number]; dilation: [number, number]; stride: [number, number]; kernel: [number, number]; filters: number;
  x_shape: [number, number, number, number]; y_shape: number[];
  x: number[]; w: number[]; b: number[]; r: number[]; y: number[]; dx: number[]; dw: number[]; db: number[];
}
const goldens = JSON.parse(readFileSync(new URL('../../fixtures/conv/dilation-goldens.json', import.meta.url), 'utf8')) as { cases: Case[] };
const onednn = loadOnednn();

beforeAll(async () => {
  await useWasm();
});
afterAll(async () => {
  useOnednn(onednn.addon);
  await tf.setBackend('wasm');
});

/** The layer's output and the gradients of sum(y * r); x is a variable when `inner`. */
function run(c: Case, inner: boolean): { y: Float32Array; dx: Float32Array | null; dw: Float32Array; db: Float32Array } {
  const layer = tf.layers.conv2d({ filters: c.filters, kernelSize: c.kernel, dilationRate: c.dilation, strides: c.stride, padding: 'valid', useBias: true });
  const [ph, pw] = c.padding;
  const x0 = tf.pad(tf.tensor4d(c.x, c.x_shape), [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
  layer.build(x0.shape);
  layer.setWeights([tf.tensor(c.w, layer.getWeights()[0].shape), tf.tensor1d(c.b)]);
  const x = inner ? tf.variable(tf.tensor4d(c.x, c.x_shape)) : x0;
  const r = tf.tensor(c.r, c.y_shape);
  const vars = [...layer.trainableWeights.map((w) => w.read() as tf.Variable), ...(inner ? [x as tf.Variable] : [])];
  let out: Float32Array = new Float32Array(0);
  const { grads } = tf.variableGrads(() => {
    const input = inner ? tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]) : x;
    const y = inner ? (layer.apply(input) as tf.Tensor) : gradientsOfVariablesOnly(() => layer.apply(input) as tf.Tensor);
    out = y.dataSync() as Float32Array;
    return tf.sum(tf.mul(y, r)) as tf.Scalar;
  }, vars);
  const values = (v: tf.Variable) => grads[v.name].dataSync() as Float32Array;
  return { y: out, dw: values(vars[0]), db: values(vars[1]), dx: inner ? values(vars[2]) : null };
}

function expectClose(got: Float32Array, want: number[]) {
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  const worst = Math.max(...want.map((v, i) => Math.abs(got[i] - v)));
  expect(worst / scale).toBeLessThan(1e-5);
}

const backends = ['cpu', 'wasm', ...(onednn.addon ? ['wasm-onednn'] : [])];
describe.each(backends)('on %s', (backend) => {
  describe.each(goldens.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it.each([['first layer', false], ['inner layer', true]] as const)('%s: output and gradients match PyTorch', async (_where, inner) => {
      useOnednn(backend === 'wasm-onednn' ? onednn.addon : null);
      await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm');
      tf.tidy(() => {
        const got = run(c, inner);
        expectClose(got.y, c.y);
        expectClose(got.dw, c.dw);
        expectClose(got.db, c.db);
        if (got.dx) expectClose(got.dx, c.dx);
      });
    });
  });
});
