// The ops issue 18 added against PyTorch (scripts/make-zoo-op-goldens.py): each built as a pipeline
// node, forward in evaluation and in training, and the gradients of sum(y * r) for the input and
// the weights, on the cpu backend (tfjs's reference kernels) and on wasm, where a depthwise conv
// trains tap by tap (tfjs-backend-wasm has no depthwise gradient kernels).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { useWasm } from '../backend/reference.js';

interface Case {
  name: string; node: string; x_shape: number[]; y_shape: number[];
  x: number[]; y: number[]; r: number[]; dx: number[]; weights: number[][]; dweights: number[][];
}
const goldens = JSON.parse(readFileSync(new URL('../fixtures/zoo-ops/goldens.json', import.meta.url), 'utf8')) as { cases: Case[] };

beforeAll(async () => {
  await useWasm();
});

async function build(c: Case): Promise<{ model: tf.LayersModel; weighted: tf.layers.Layer | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-zoo-op-'));
  const nodes = c.node.includes('gate') ? ['{op: adaptive_avgpool, name: gate, size: 1}', c.node] : [c.node];
  writeFileSync(join(dir, 'p.yaml'), `name: t
dataset: {format: image-folder, root: data}
models:
  m:
    input: ${JSON.stringify(c.x_shape.slice(1))}
    nodes:
${nodes.map((n) => `      - ${n}`).join('\n')}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`);
  const { pipeline, locate } = await resolvePipeline('p.yaml', { cwd: dir });
  const compiled = compileGraphs(pipeline, analyzeGraphs(pipeline, locate));
  const model = compiled.model('m');
  const weighted = [...compiled.layers('m').values()].flat().find((l) => l.getWeights().length > 0);
  return { model, weighted };
}

function expectClose(got: Float32Array, want: number[], what: string) {
  expect(got.length, what).toBe(want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  const worst = Math.max(0, ...want.map((v, i) => Math.abs(got[i] - v)));
  expect(worst / scale, what).toBeLessThan(2e-5);
}

describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
  it.each(goldens.cases.map((c) => [c.name, c] as const))('%s: output and gradients match PyTorch', async (_name, c) => {
    await tf.setBackend(backend);
    const { model, weighted } = await build(c);
    if (weighted) weighted.setWeights(c.weights.map((w, i) => tf.tensor(w, weighted.getWeights()[i].shape)));
    tf.tidy(() => {
      const x = tf.variable(tf.tensor(c.x, c.x_shape));
      expectClose((model.predict(x) as tf.Tensor).dataSync() as Float32Array, c.y, 'evaluation output');
      const weights = (weighted?.trainableWeights ?? []).map((w) => w.read() as tf.Variable);
      let y: Float32Array = new Float32Array(0);
      const { grads } = tf.variableGrads(() => {
        const out = model.apply(x, { training: true }) as tf.Tensor;
        y = out.dataSync() as Float32Array;
        return tf.sum(tf.mul(out, tf.tensor(c.r, c.y_shape))) as tf.Scalar;
      }, [x, ...weights]);
      expectClose(y, c.y, 'training output');
      expectClose(grads[x.name].dataSync() as Float32Array, c.dx, 'input gradient');
      weights.forEach((w, i) => expectClose(grads[w.name].dataSync() as Float32Array, c.dweights[i], `gradient of weight ${i}`));
    });
    model.dispose();
  });
});

describe('initialisers of the new weights', () => {
  it('a grouped conv draws PyTorch\'s default bound 1/sqrt(kh * kw * in/groups); layer_scale starts at its value', async () => {
    const c: Case = { name: 'init', node: '{op: conv, filters: 64, kernel: 3, groups: 4}', x_shape: [1, 5, 5, 16], y_shape: [], x: [], y: [], r: [], dx: [], weights: [], dweights: [] };
    const { weighted } = await build(c);
    const kernel = weighted!.getWeights()[0];
    expect(kernel.shape).toEqual([3, 3, 4, 64]);
    const values = kernel.dataSync() as Float32Array;
    const bound = 1 / Math.sqrt(3 * 3 * 4);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    const scale = await build({ ...c, node: '{op: layer_scale, value: 0.25}' });
    expect([...(scale.weighted!.getWeights()[0].dataSync() as Float32Array)]).toEqual(Array(16).fill(0.25));
  });
});
