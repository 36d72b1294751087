import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { REPO } from '../helpers/cli.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

async function compileFile(file: string, cwd = REPO) {
  const { pipeline, locate } = await resolvePipeline(file, { cwd });
  const plan = analyzeGraphs(pipeline, locate);
  return { pipeline, plan, graphs: compileGraphs(pipeline, plan) };
}

async function compileText(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-graph-'));
  writeFileSync(join(dir, 'p.yaml'), yaml);
  return compileFile('p.yaml', dir);
}

const trainableCount = (m: tf.LayersModel) => m.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);

describe('seed models compile to tf.LayersModel', () => {
  it.each([
    ['pipelines/resnet9.yaml', 'resnet9', 5_013_640, [200]],
    ['pipelines/densenet.yaml', 'densenet', 11_809_672, [200]],
    ['pipelines/alexnet.yaml', 'alexnet', undefined, [200]],
    ['pipelines/inception-resnet.yaml', 'inception_resnet', undefined, [200]],
    ['pipelines/task2-ae.yaml', 'autoencoder', undefined, [64, 64, 3]],
    ['pipelines/task2-ae.yaml', 'classifier', undefined, [200]],
  ] as const)('%s: %s', async (file, name, exact, outShape) => {
    const { plan, graphs } = await compileFile(file);
    const model = graphs.model(name);
    expect(trainableCount(model)).toBe(plan.models[name].trainable);
    if (exact) expect(plan.models[name].trainable).toBe(exact);
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => model.predict(tf.zeros([1, ...plan.models[name].input])) as tf.Tensor);
    expect(y.shape).toEqual([1, ...outShape]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('shares the encoder between the autoencoder and the classifier', async () => {
    const { graphs } = await compileFile('pipelines/task2-ae.yaml');
    const ae = graphs.model('autoencoder');
    const cls = graphs.model('classifier');
    const stem = (m: tf.LayersModel) => m.getLayer('encoder/stem');
    expect(stem(ae)).toBe(stem(cls));
  });

  it('is seeded: same seed same weights, another seed other weights', async () => {
    const a = (await compileFile('pipelines/resnet9.yaml')).graphs.model('resnet9');
    const b = (await compileFile('pipelines/resnet9.yaml')).graphs.model('resnet9');
    const w = (m: tf.LayersModel) => m.getLayer('resnet9/stem').getWeights()[0].dataSync().slice(0, 50);
    expect(w(a)).toEqual(w(b));
    const { pipeline, locate } = await resolvePipeline('pipelines/resnet9.yaml', { cwd: REPO, sets: ['seed=1'] });
    const c = compileGraphs(pipeline, analyzeGraphs(pipeline, locate)).model('resnet9');
    expect(w(c)).not.toEqual(w(a));
  });

  it('saves and loads in the tfjs layers format with identical outputs', async () => {
    const { graphs } = await compileFile('pipelines/task2-ae.yaml');
    const model = graphs.model('autoencoder');
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 7);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
  });
});

const ONE_NODE = (node: string, input: string) => `name: t
dataset: {format: image-folder, root: data}
models:
  m:
    input: ${input}
    nodes:
      - ${node}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`;

/** out[oy][ox][o] = sum in[iy][ix][c] * w[ky][kx][o][c] where oy = iy * s - p + ky (PyTorch ConvTranspose2d). */
function referenceConvTranspose(x: number[][][], w: tf.Tensor4D, s: number, p: number, op: number): number[][][] {
  const [k, , out, inC] = w.shape;
  const wv = w.arraySync();
  const h = x.length;
  const size = (h - 1) * s - 2 * p + k + op;
  const y = Array.from({ length: size }, () => Array.from({ length: size }, () => new Array(out).fill(0)));
  for (let iy = 0; iy < h; iy++) for (let ix = 0; ix < h; ix++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
    const oy = iy * s - p + ky;
    const ox = ix * s - p + kx;
    if (oy < 0 || ox < 0 || oy >= size || ox >= size) continue;
    for (let o = 0; o < out; o++) for (let c = 0; c < inC; c++) y[oy][ox][o] += x[iy][ix][c] * wv[ky][kx][o][c];
  }
  return y;
}

describe('ops compute what PyTorch computes', () => {
  it.each([
    [2, 1, 1],
    [2, 0, 1],
    [2, 1, 0],
    [1, 1, 0],
    [3, 2, 2],
  ])('conv_transpose stride %i padding %i output_padding %i', async (s, p, op) => {
    const { graphs } = await compileText(ONE_NODE(`{op: conv_transpose, filters: 2, kernel: 3, stride: ${s}, padding: ${p}, output_padding: ${op}, bias: false, kernel_init: {type: normal, std: 1}}`, '[4, 4, 3]'));
    const model = graphs.model('m');
    const x = tf.randomNormal([1, 4, 4, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const expected = referenceConvTranspose(x.arraySync()[0], model.getLayer('m/conv_transpose_0').getWeights()[0] as tf.Tensor4D, s, p, op);
    const y = (model.predict(x) as tf.Tensor).arraySync() as number[][][][];
    expect(y[0].length).toBe(expected.length);
    y[0].flat(2).forEach((v, i) => expect(v).toBeCloseTo(expected.flat(2)[i], 4));
  });

  it('conv with padding 1 and known weights', async () => {
    const { graphs } = await compileText(ONE_NODE('{op: conv, filters: 1, kernel: 3, padding: 1, kernel_init: ones, bias_init: {type: constant, value: 0.5}}', '[3, 3, 1]'));
    const y = (graphs.model('m').predict(tf.ones([1, 3, 3, 1])) as tf.Tensor).dataSync();
    // Each output sums the 3x3 window of ones that falls inside the image: corners 4, edges 6, centre 9.
    expect(Array.from(y)).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4].map((v) => v + 0.5));
  });

  it('max pooling never picks padding, even when every value is negative', async () => {
    const { graphs } = await compileText(ONE_NODE('{op: maxpool, kernel: 3, stride: 2, padding: 1}', '[4, 4, 1]'));
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => -1 - i), [1, 4, 4, 1]);
    expect(Array.from((graphs.model('m').predict(x) as tf.Tensor).dataSync())).toEqual([-1, -2, -5, -6]);
  });

  it('average pooling counts zero padding, as count_include_pad', async () => {
    const { graphs } = await compileText(ONE_NODE('{op: avgpool, kernel: 2, stride: 2, padding: 1}', '[2, 2, 1]'));
    const y = (graphs.model('m').predict(tf.ones([1, 2, 2, 1])) as tf.Tensor).dataSync();
    expect(Array.from(y)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  // torch.nn.functional.elu(x, alpha) and the gradient of its sum, from torch 1.13 (the gradient
  // at 0 is alpha: torch takes the x <= 0 branch there).
  it.each([
    [0.5, [-0.47510648, -0.31606027, -0.19673467, -0.00049975514, 0, 0.5, 2], [0.024893533, 0.18393973, 0.30326533, 0.49950024, 0.5, 1, 1]],
    [2, [-1.9004259, -1.2642411, -0.78693867, -0.0019990206, 0, 0.5, 2], [0.099574134, 0.7357589, 1.2130613, 1.998001, 2, 1, 1]],
    [1, [-0.95021296, -0.63212055, -0.39346933, -0.00099951029, 0, 0.5, 2], [0.049787067, 0.36787945, 0.60653067, 0.99900049, 1, 1, 1]],
    [0, [0, 0, 0, 0, 0, 0.5, 2], [0, 0, 0, 0, 0, 1, 1]],
  ])('elu with alpha %f builds, and computes torch.nn.ELU and its gradient', async (alpha, want, wantGrad) => {
    const { graphs } = await compileText(ONE_NODE(`{op: elu, alpha: ${alpha}}`, '[1, 1, 7]'));
    const model = graphs.model('m');
    const x = tf.tensor4d([[[[-3, -1, -0.5, -1e-3, 0, 0.5, 2]]]]);
    const y = Array.from((model.predict(x) as tf.Tensor).dataSync());
    const g = Array.from(tf.grad((v: tf.Tensor) => tf.sum(model.apply(v) as tf.Tensor))(x).dataSync());
    y.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    g.forEach((v, i) => expect(v).toBeCloseTo(wantGrad[i], 6));
  });

  it('a miswired residual is caught before anything runs', async () => {
    const yaml = ONE_NODE('{op: conv, name: a, filters: 2, kernel: 1}', '[4, 4, 2]').replace(
      '      - {op: conv, name: a, filters: 2, kernel: 1}',
      '      - {op: conv, name: a, filters: 2, kernel: 1}\n      - {op: conv, name: b, filters: 2, kernel: 1, from: a}\n      - {op: add, from: [a, a]}',
    );
    await expect(compileText(yaml)).rejects.toThrow("conv 'b' is computed but never used (a dangling branch)");
  });
});
