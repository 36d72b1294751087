// upsample as torch.nn.Upsample (src/graph/layers/upsample.ts): nearest and bilinear
// (align_corners=False) against F.interpolate (scripts/make-upsample-goldens.py), output and
// input gradient, over factors, non-square inputs, batches of 1 and more, on every backend.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useOnednn } from '../../../src/backend/kernels/onednn_state.js';
import { loadOnednn } from '../../../src/backend/onednn.js';
import { TorchUpsample2D } from '../../../src/graph/layers/index.js';
import { useWasm } from '../../backend/reference.js';

interface Case { mode: 'nearest' | 'bilinear'; factor: number; x_shape: [number, number, number, number]; y_shape: number[]; x: number[]; r: number[]; y: number[]; dx: number[] }
const goldens = JSON.parse(readFileSync(new URL('../../fixtures/upsample/goldens.json', import.meta.url), 'utf8')) as { cases: Case[] };
const onednn = loadOnednn();

beforeAll(async () => {
  await useWasm();
});
afterAll(async () => {
  useOnednn(onednn.addon);
  await tf.setBackend('wasm');
});

function expectClose(got: Float32Array, want: number[]) {
  expect(got.length).toBe(want.length);
  const worst = Math.max(...want.map((v, i) => Math.abs(got[i] - v)));
  expect(worst / Math.max(1, ...want.map(Math.abs))).toBeLessThan(1e-5);
}

const backends = ['cpu', 'wasm', ...(onednn.addon ? ['wasm-onednn'] : [])];
describe.each(backends)('on %s', (backend) => {
  it.each(goldens.cases.map((c) => [`${c.mode} x${c.factor} ${c.x_shape.join('x')}`, c] as const))('%s: output and input gradient match PyTorch', async (_name, c) => {
    useOnednn(backend === 'wasm-onednn' ? onednn.addon : null);
    await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm');
    tf.tidy(() => {
      const layer = new TorchUpsample2D({ factor: c.factor, mode: c.mode });
      const r = tf.tensor(c.r, c.y_shape);
      let y: Float32Array = new Float32Array(0);
      const dx = tf.grad((x: tf.Tensor) => {
        const out = layer.apply(x) as tf.Tensor;
        y = out.dataSync() as Float32Array;
        return tf.sum(tf.mul(out, r));
      })(tf.tensor4d(c.x, c.x_shape));
      expect(layer.computeOutputShape(c.x_shape)).toEqual(c.y_shape);
      expectClose(y, c.y);
      expectClose(dx.dataSync() as Float32Array, c.dx);
    });
  });
});
