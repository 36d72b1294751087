// Training on wasm-onednn: workers start the same backend as the training thread (and say so),
// two workers match one to float rounding as on wasm (BatchNorm's statistics shared), and a stage trains as it does on plain
// wasm up to the convolutions' rounding. Skipped where the addon is not built; CI builds it
// (test/backend/onednn.test.ts fails there without it).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activeBackendKind, initBackend } from '../../src/backend/index.js';
import { loadOnednn } from '../../src/backend/onednn.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { ParallelTrainer } from '../../src/train/parallel/trainer.js';
import { PLAIN_PIPELINE, trainOneStage, writePatternSet } from './parallel-data.js';

let root: string;
beforeAll(async () => {
  root = writePatternSet();
  writeFileSync(join(root, 'plain.yaml'), PLAIN_PIPELINE);
});

describe.runIf(loadOnednn().addon !== null)('training on wasm-onednn', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm-onednn', env: {} });
  });

  it('the kind workers are given follows tfjs switched to another backend and back', async () => {
    expect(activeBackendKind(tf)).toBe('wasm-onednn');
    await tf.setBackend('cpu');
    try {
      expect(activeBackendKind(tf)).toBe('cpu');
    } finally {
      await tf.setBackend('wasm');
    }
    expect(activeBackendKind(tf)).toBe('wasm-onednn');
  });

  it('workers start wasm-onednn, as the training thread', async () => {
    const { pipeline: p, locate } = await resolvePipeline('plain.yaml', { cwd: root });
    const model = compileGraphs(p, analyzeGraphs(p, locate)).model('net');
    const trainer = await ParallelTrainer.open(tf, p.stages.train, model, 2);
    try {
      expect(trainer.backend).toBe('wasm-onednn');
    } finally {
      await trainer.close();
      model.dispose();
    }
  }, 60_000);

  it('two workers match one on a model without BatchNorm or dropout, to float rounding', async () => {
    const one = await trainOneStage(root, 'plain.yaml', 'train', { workers: 1 });
    const two = await trainOneStage(root, 'plain.yaml', 'train', { workers: 2 });
    expect(two.steps).toHaveLength(6);
    two.steps.forEach((loss, i) => expect(Math.abs(loss - one.steps[i])).toBeLessThan(1e-6));
    two.weights.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - one.weights[i][j])).toBeLessThan(1e-5 * (1 + Math.abs(one.weights[i][j])))));
    expect(two.records.map((r) => r.val!.top1)).toEqual(one.records.map((r) => r.val!.top1));
  }, 120_000);

  // oneDNN's BatchNorm primitives take their statistics from the rows they are given: with shared
  // statistics the kernels that exchange them run instead (parallel.test.ts has the wasm cases).
  it('three workers match one on a model with two BatchNorms, the statistics shared, to float rounding', async () => {
    const sets = ['stages.bn.epochs=2'];
    const one = await trainOneStage(root, 'plain.yaml', 'bn', { workers: 1, sets });
    const three = await trainOneStage(root, 'plain.yaml', 'bn', { workers: 3, sets });
    expect(three.steps).toHaveLength(6);
    three.steps.forEach((loss, i) => expect(Math.abs(loss - one.steps[i]), `step ${i}`).toBeLessThan(2e-6));
    three.weights.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - one.weights[i][j]), `weight ${i}[${j}]`).toBeLessThan(1e-5 * (1 + Math.abs(one.weights[i][j])))));
  }, 120_000);

  it('trains a stage as plain wasm does, up to the convolutions\' rounding', async () => {
    const ours = await trainOneStage(root, 'plain.yaml', 'train', { workers: 1 });
    await initBackend({ backend: 'wasm', env: {} });
    try {
      const xnnpack = await trainOneStage(root, 'plain.yaml', 'train', { workers: 1 });
      ours.steps.forEach((loss, i) => expect(Math.abs(loss - xnnpack.steps[i])).toBeLessThan(1e-5));
      expect(ours.records.map((r) => r.val!.top1)).toEqual(xnnpack.records.map((r) => r.val!.top1));
    } finally {
      await initBackend({ backend: 'wasm-onednn', env: {} });
    }
  }, 120_000);
});
