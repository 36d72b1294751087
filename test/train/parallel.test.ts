// Data-parallel training (src/train/parallel): one worker trains exactly as the engine did before
// workers existed; N workers match one on a model without dropout, BatchNorm's statistics shared
// between them; a stopped N-worker stage resumes exactly; worker failures are errors.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { dropoutClock } from '../../src/graph/layers/index.js';
import { MetricAccumulator } from '../../src/train/metrics.js';
import { InlineTrainer } from '../../src/train/parallel/inline.js';
import { shardRows, workersInKey } from '../../src/train/parallel/index.js';
import { microPieces, piecesPerStep } from '../../src/train/parallel/shards.js';
import { chooseTrainWorkers } from '../../src/train/parallel/workers.js';
import { stageKeys, changedKeyFields } from '../../src/cache/key.js';
import { ParallelTrainer } from '../../src/train/parallel/trainer.js';
import { SharedArrays } from '../../src/train/parallel/shared.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { evaluate } from '../../src/train/evaluate.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openStageData } from '../../src/train/stage-data.js';
import { runFile } from '../helpers/run.js';
import { GOLDEN_PIPELINE, PLAIN_PIPELINE, TASK2_PIPELINE, trainOneStage, untimed, writePatternSet } from './parallel-data.js';

interface GoldenRun {
  readonly steps: Record<string, number[]>;
  readonly epochs: { stage: string; epoch: number; lr: number; train: unknown; val: unknown }[];
}
const golden = JSON.parse(readFileSync(new URL('./parallel-golden.json', import.meta.url), 'utf8')) as { cpu: GoldenRun };
const STAGES = ['sgd', 'adam', 'adamw', 'rmsprop', 'recon'] as const;

let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', env: {} });
  root = writePatternSet();
  writeFileSync(join(root, 'golden.yaml'), GOLDEN_PIPELINE);
  writeFileSync(join(root, 'plain.yaml'), PLAIN_PIPELINE);
  writeFileSync(join(root, 'task2.yaml'), TASK2_PIPELINE);
});

describe('one worker', () => {
  // Recorded by the training loop before data-parallel training (commit c1dd6e9), on tfjs's cpu
  // backend: the wasm backend's kernels are still being changed (their rounding with them), the
  // cpu backend's are tfjs's own.
  it.each(STAGES)('%s: every step\'s loss and every epoch\'s metrics as before, bit for bit', async (stage) => {
    await tf.setBackend('cpu');
    try {
      const run = await trainOneStage(root, 'golden.yaml', stage, { workers: 1 });
      expect(run.steps).toEqual(golden.cpu.steps[stage]);
      const epochs = untimed(run.records).map((r) => { const { epochs: _, ...rest } = r as { epochs: number }; return rest; });
      expect(epochs).toEqual(golden.cpu.epochs.filter((e) => e.stage === stage));
    } finally {
      await tf.setBackend('wasm');
    }
  }, 120_000);
});

describe('N workers', () => {
  it('one worker thread steps exactly as the training thread does (BatchNorm, dropout, momentum)', async () => {
    const { pipeline: p, locate } = await resolvePipeline('golden.yaml', { cwd: root });
    const plan = analyzeGraphs(p, locate);
    const stage = p.stages.sgd;
    const [a, b] = [compileGraphs(p, plan).model('net'), compileGraphs(p, plan).model('net')];
    const data = await openStageData(p, 'sgd', stage, { cacheDir: null, workers: 0, splits: new Map() });
    const inline = new InlineTrainer(tf, stage, a);
    const parallel = await ParallelTrainer.open(tf, stage, b, 1);
    const before = tf.memory().numTensors;
    try {
      const [accA, accB] = [new MetricAccumulator(), new MetricAccumulator()];
      for (const epoch of [0, 1]) {
        for await (const batch of data.train!.epoch(epoch)) {
          dropoutClock.step = epoch * 3 + batch.step;
          expect(await parallel.step(batch, 0.05, accB)).toBe(await inline.step(batch, 0.05, accA));
          await parallel.sync();
          expect(b.getWeights().map((w) => w.dataSync())).toEqual(a.getWeights().map((w) => w.dataSync()));
        }
      }
      expect(accB.result()).toEqual(accA.result());
      expect(parallel.optimizer.state()).toEqual(inline.optimizer.state());
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await parallel.close();
      await data.close();
    }
  }, 120_000);

  // 48 images in batches of 20: shards of 10 + 10 and, in the last batch, 4 + 4; with three
  // workers 7 + 7 + 6 and 3 + 3 + 2.
  it.each([2, 3])('%i workers match one on a model without BatchNorm or dropout, to float rounding', async (workers) => {
    const one = await trainOneStage(root, 'plain.yaml', 'train', { workers: 1 });
    const two = await trainOneStage(root, 'plain.yaml', 'train', { workers });
    expect(two.steps).toHaveLength(6);
    two.steps.forEach((loss, i) => expect(Math.abs(loss - one.steps[i])).toBeLessThan(1e-6));
    two.weights.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - one.weights[i][j])).toBeLessThan(1e-5 * (1 + Math.abs(one.weights[i][j])))));
    expect(two.records.map((r) => r.val!.top1)).toEqual(one.records.map((r) => r.val!.top1));
  }, 120_000);

  // Each worker updates its share of the parameters with its share of the optimiser's state: the
  // 'net' model's 363 parameters are cut at 192 (two workers) or 128 and 256 (three), inside
  // weights. The checkpoint's optimiser state is gathered from those shares.
  it.each([
    [2, '{type: adam, lr: 0.01, weight_decay: 1.0e-3, amsgrad: true}'],
    [3, '{type: adamw, lr: 0.01}'],
    [2, '{type: rmsprop, lr: 0.01, momentum: 0.5, centered: true, weight_decay: 1.0e-3}'],
  ])('%i workers match one with %s: weights and the checkpoint\'s optimiser state, to float rounding', async (workers, optimizer) => {
    const sets = [`stages.train.optimizer=${optimizer}`];
    const dirs = [mkdtempSync(join(tmpdir(), 'pipe-opt-one-')), mkdtempSync(join(tmpdir(), 'pipe-opt-n-'))];
    const one = await trainOneStage(root, 'plain.yaml', 'train', { workers: 1, sets, dir: dirs[0] });
    const many = await trainOneStage(root, 'plain.yaml', 'train', { workers, sets, dir: dirs[1] });
    const near = (a: Float32Array, b: Float32Array) => a.every((v, j) => Math.abs(v - b[j]) < 1e-5 * (1 + Math.abs(b[j])));
    many.steps.forEach((loss, i) => expect(Math.abs(loss - one.steps[i])).toBeLessThan(1e-6));
    many.weights.forEach((w, i) => expect(near(w, one.weights[i]), `weight ${i}`).toBe(true));
    const [a, b] = dirs.map((d) => readCheckpoint(join(d, 'checkpoint'))!.optimizer);
    expect(b.step).toBe(a.step);
    expect(Object.keys(b.slots).sort()).toEqual(Object.keys(a.slots).sort());
    for (const [name, arrays] of Object.entries(a.slots)) {
      // Against each slot's scale: centered RMSprop's momentum divides by sqrt(v - avg^2), which
      // lifts the gradient's rounding (summed from two shards or from one batch) well above a
      // small element's own size (seen: 2.0e-5 on values up to 8.2, 2.4e-6 of the scale).
      arrays.forEach((want, i) => {
        let [diff, scale] = [0, 0];
        want.forEach((v, j) => ((diff = Math.max(diff, Math.abs(b.slots[name][i][j] - v))), (scale = Math.max(scale, Math.abs(v)))));
        expect(diff, `${name}[${i}]`).toBeLessThanOrEqual(1e-5 * scale);
      });
      // Not all zeros: every share was stepped and gathered.
      expect(b.slots[name].some((arr) => arr.some((v) => v !== 0)), name).toBe(true);
    }
  }, 120_000);

  it('the training thread never runs the optimiser: the workers update; sync brings the model and its state up to date', async () => {
    const { pipeline: p, locate } = await resolvePipeline('plain.yaml', { cwd: root });
    const stage = p.stages.train;
    const model = compileGraphs(p, analyzeGraphs(p, locate)).model('net');
    const trainer = await ParallelTrainer.open(tf, stage, model, 2);
    const data = await openStageData(p, 'train', stage, { cacheDir: null, workers: 0, splits: new Map() });
    try {
      trainer.optimizer.step = () => {
        throw new Error('the training thread ran the optimiser');
      };
      const start = model.getWeights().map((w) => w.dataSync().slice());
      for await (const batch of data.train!.epoch(0)) await trainer.step(batch, 0.05, new MetricAccumulator());
      // The model is as it was until sync.
      expect(model.getWeights().map((w) => w.dataSync())).toEqual(start);
      await trainer.sync();
      const after = model.getWeights().map((w) => w.dataSync());
      after.forEach((w, i) => expect(w, `weight ${i} after sync`).not.toEqual(start[i]));
      expect(trainer.optimizer.state().step).toBe(3);
    } finally {
      await trainer.close();
      await data.close();
      model.dispose();
    }
  }, 60_000);

  // That two runs with two workers repeat exactly is shown by the resume test below.
  it('BatchNorm normalises by the whole batch\'s statistics, shared between the workers (SyncBatchNorm), and keeps the batch\'s running statistics', async () => {
    const { pipeline: p, locate } = await resolvePipeline('plain.yaml', { cwd: root });
    const stage = p.stages.bn;
    const model = compileGraphs(p, analyzeGraphs(p, locate)).model('bn');
    const data = await openStageData(p, 'bn', stage, { cacheDir: null, workers: 0, splits: new Map() });
    const first = (await data.train!.epoch(0).next()).value!;
    await data.close();
    // The first step's loss, from the initial weights: the whole batch at once, and in two halves
    // of 10 images each normalised by their own statistics (DDP without SyncBatchNorm).
    const lossOf = (from: number, n: number) => tf.tidy(() => {
      const x = tf.tensor4d(first.x.slice(from * 144, (from + n) * 144), [n, 12, 12, 1]);
      const logits = model.apply(x, { training: true }) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(first.y!.slice(from, from + n), 'int32'), 3), logits).dataSync()[0];
    });
    const [whole, halves] = [lossOf(0, 20), (lossOf(0, 10) + lossOf(10, 10)) / 2];
    // The first BatchNorm's running mean after that step: momentum 0.1 from 0 towards the conv
    // output's channel means over the whole batch (over worker 0's shard it would differ).
    const normalised = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!.input as tf.SymbolicTensor;
    const conv = tf.model({ inputs: model.inputs, outputs: normalised });
    const runningMean = (n: number) => tf.tidy(() => tf.mul(tf.mean(conv.apply(tf.tensor4d(first.x.slice(0, n * 144), [n, 12, 12, 1])) as tf.Tensor4D, [0, 1, 2]), 0.1).dataSync() as Float32Array);
    const [meanWhole, meanShard0] = [runningMean(20), runningMean(10)];
    model.dispose();
    const one = await trainOneStage(root, 'plain.yaml', 'bn', { workers: 1, stopAfter: 1 });
    const two = await trainOneStage(root, 'plain.yaml', 'bn', { workers: 2, stopAfter: 1 });
    expect(Math.abs(one.steps[0] - whole)).toBeLessThan(1e-6);
    expect(Math.abs(two.steps[0] - whole)).toBeLessThan(1e-6);
    expect(Math.abs(whole - halves)).toBeGreaterThan(1e-4);
    // model.getWeights(): the trainable weights, then each BatchNorm's moving_mean and
    // moving_variance: the first one's moving_mean is fourth from the end.
    const close = (a: Float32Array, b: Float32Array) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
    expect(close(one.weights.at(-4)!, meanWhole)).toBe(true);
    expect(close(two.weights.at(-4)!, meanWhole)).toBe(true);
    expect(close(meanWhole, meanShard0)).toBe(false);
  }, 120_000);

  // Two BatchNorms in a row: the second's gradient through the shared statistics reaches the
  // first's. 48 images in batches of 20 (shards 10 + 10, 7 + 7 + 6; the last batch 4 + 4,
  // 3 + 3 + 2); in batches of 23 the last batch of 2 leaves the third of three workers without
  // rows, and the other two share the statistics alone. Against one worker, to float rounding:
  // every loss, every weight (the running statistics included) and the accuracy.
  it.each([
    [2, 20, 'wasm'], [3, 20, 'wasm'], [3, 23, 'wasm'], [3, 20, 'cpu'],
  ])('%i workers match one on a model with BatchNorm, batches of %i, %s backend', async (workers, batch, backend) => {
    await tf.setBackend(backend);
    try {
      const sets = [`stages.bn.batch_size=${batch}`, 'stages.bn.epochs=2'];
      const one = await trainOneStage(root, 'plain.yaml', 'bn', { workers: 1, sets });
      const many = await trainOneStage(root, 'plain.yaml', 'bn', { workers, sets });
      expect(many.steps).toHaveLength(2 * Math.ceil(48 / batch));
      many.steps.forEach((loss, i) => expect(Math.abs(loss - one.steps[i]), `step ${i}`).toBeLessThan(2e-6));
      many.weights.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - one.weights[i][j]), `weight ${i}[${j}]`).toBeLessThan(1e-5 * (1 + Math.abs(one.weights[i][j])))));
      expect(many.records.map((r) => r.train!.top1)).toEqual(one.records.map((r) => r.train!.top1));
    } finally {
      await tf.setBackend('wasm');
    }
  }, 120_000);

  // The workers evaluate their rows of each val batch with the last step's weights and worker 0's
  // BatchNorm statistics: against the training thread's evaluation of the model synced from them.
  // With micro_batch pieces each worker's own running statistics differ from worker 0's.
  it.each([
    ['plain.yaml', 'bn', ['stages.bn.val={split: test}', 'stages.bn.batch_size=10', 'stages.bn.micro_batch=3'], 2],
    ['plain.yaml', 'bn', ['stages.bn.val={split: test}', 'stages.bn.batch_size=23'], 3],
    ['golden.yaml', 'recon', ['stages.recon.val={split: test, unlabelled: true}'], 2],
  ])('%s %s %j: %i workers evaluate as the training thread does with the same weights', async (file, name, sets, workers) => {
    const { pipeline: p, locate } = await resolvePipeline(file, { cwd: root, sets });
    const stage = p.stages[name];
    const model = compileGraphs(p, analyzeGraphs(p, locate)).model(stage.model);
    const data = await openStageData(p, name, stage, { cacheDir: null, workers: 0, splits: new Map() });
    const trainer = await ParallelTrainer.open(tf, stage, model, workers);
    try {
      const acc = new MetricAccumulator();
      for (const epoch of [0, 1]) {
        for await (const batch of data.train!.epoch(epoch)) {
          dropoutClock.step = epoch * 10 + batch.step;
          await trainer.step(batch, 0.05, acc);
        }
        await trainer.sync();
        const here = (await evaluate(tf, stage, model, data))!;
        const before = tf.memory().numTensors;
        const there = (await evaluate(tf, stage, model, data, Infinity, trainer))!;
        expect(tf.memory().numTensors).toBe(before);
        expect([here.images, there.images]).toEqual([12, 12]);
        expect(Math.abs(there.loss - here.loss), `epoch ${epoch}`).toBeLessThan(1e-6 * (1 + here.loss));
        expect({ ...there, loss: 0 }).toEqual({ ...here, loss: 0 });
      }
    } finally {
      await trainer.close();
      await data.close();
      model.dispose();
    }
  }, 120_000);

  it('a stopped two-worker stage resumes exactly: same losses, metrics and weights as an uninterrupted one', async () => {
    const whole = await trainOneStage(root, 'golden.yaml', 'rmsprop', { workers: 2 });
    const dir = join(root, 'resume-rmsprop');
    const first = await trainOneStage(root, 'golden.yaml', 'rmsprop', { workers: 2, dir, stopAfter: 4 });
    expect(first.stopped).toBe('interrupted');
    const rest = await trainOneStage(root, 'golden.yaml', 'rmsprop', { workers: 2, dir, resume: true });
    expect([...first.steps, ...rest.steps]).toEqual(whole.steps);
    expect(untimed([...first.records, ...rest.records])).toEqual(untimed(whole.records));
    expect(rest.weights).toEqual(whole.weights);
  }, 120_000);

  it('runs a pipeline\'s stages with two workers: a composed model, started from another stage, part of it frozen', async () => {
    const encoder = (m: tf.LayersModel) => m.layers.filter((l) => l.name.startsWith('encoder/')).flatMap((l) => l.getWeights().map((w) => w.dataSync()));
    const seen: Record<string, unknown> = {};
    let model: tf.LayersModel | null = null;
    const { records } = await runFile('task2.yaml', {
      cwd: root,
      outputs: join(root, 'task2-out'),
      workers: 2,
      events: {
        stageReady: (stage, m) => void (stage === 'finetune' && ((model = m), (seen.start = encoder(m)))),
        stageEnd: (stage) => void (stage === 'finetune' && model && (seen.end = encoder(model))),
      },
    });
    expect(records.map((r) => [r.stage, Number.isFinite(r.train!.loss)])).toEqual([['pretrain', true], ['finetune', true]]);
    expect(seen.end).toEqual(seen.start);
  }, 120_000);

  it('an update that fails in the workers rejects with its reason and the worker named; the trainer stays failed', async () => {
    const { pipeline: p, locate } = await resolvePipeline('plain.yaml', { cwd: root });
    const model = compileGraphs(p, analyzeGraphs(p, locate)).model('net');
    const trainer = await ParallelTrainer.open(tf, p.stages.train, model, 2);
    // One row: worker 1 has none and waits at the barrier for worker 0's gradient.
    const batch = { x: new Float32Array(144), y: Int32Array.from([1]), target: null, shape: [1, 12, 12, 1] as const, epoch: 0, step: 0 };
    try {
      await expect(trainer.step(batch, -1, new MetricAccumulator())).rejects.toThrow(/training worker 0.*lr must be a finite number >= 0, got -1/s);
      await expect(trainer.step(batch, 0.1, new MetricAccumulator())).rejects.toThrow(/lr must be a finite number/);
      await expect(trainer.sync()).rejects.toThrow(/lr must be a finite number/);
    } finally {
      await trainer.close();
      model.dispose();
    }
  }, 60_000);

  it('a step that cannot finish rejects with the worker named, and the trainer closes', async () => {
    const { pipeline: p, locate } = await resolvePipeline('plain.yaml', { cwd: root });
    const stage = p.stages.train;
    const model = compileGraphs(p, analyzeGraphs(p, locate)).model('net');
    const trainer = await ParallelTrainer.open(tf, stage, model, 2);
    const batch = { x: new Float32Array(4 * 144), y: Int32Array.from([0, 1, 2, 0]), target: null, shape: [4, 12, 12, 1] as const, epoch: 0, step: 0 };
    // Caught at once: tfjs-backend-wasm turns an unhandled rejection into an uncaught exception.
    const stepping = trainer.step(batch, 0.1, new MetricAccumulator()).catch((e: Error) => e);
    await trainer.close();
    expect(String(await stepping)).toMatch(/^Error: training worker \d was closed$/);
    await expect(trainer.step(batch, 0.1, new MetricAccumulator())).rejects.toThrow('training worker 0 was closed');
  }, 60_000);
});

describe('a worker thread that stops', () => {
  // Worker 1's thread ends before the step: worker 0 computes its part and would wait at the
  // first BatchNorm's exchange for rows that never come. The step rejects with the cause instead.
  it('mid-step: the others stop waiting for it and the step rejects naming it', async () => {
    const { pipeline: p, locate } = await resolvePipeline('plain.yaml', { cwd: root });
    const stage = p.stages.bn;
    const model = compileGraphs(p, analyzeGraphs(p, locate)).model('bn');
    const trainer = await ParallelTrainer.open(tf, stage, model, 2);
    try {
      const batch = { x: new Float32Array(4 * 144).fill(0.5), y: Int32Array.from([0, 1, 2, 0]), target: null, shape: [4, 12, 12, 1] as const, epoch: 0, step: 0 };
      await trainer.step(batch, 0.1, new MetricAccumulator());
      const links = (trainer as unknown as { links: { worker: import('node:worker_threads').Worker }[] }).links;
      await links[1].worker.terminate();
      const started = Date.now();
      await expect(trainer.step(batch, 0.1, new MetricAccumulator())).rejects.toThrow(/training worker 1 (stopped|was closed)/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await trainer.close();
      model.dispose();
    }
  }, 60_000);
});

describe('shards', () => {
  it.each([
    [8, 2, [[0, 4], [4, 4]]],
    [7, 2, [[0, 4], [4, 3]]],
    [1, 2, [[0, 1], [1, 0]]],
    [10, 3, [[0, 4], [4, 3], [7, 3]]],
  ])('%i rows over %i workers', (rows, workers, want) => {
    expect(shardRows(rows, workers).map((s) => [s.offset, s.n])).toEqual(want);
  });

  it('puts the worker count in a stage\'s key only where dropout, or BatchNorm over micro_batch pieces, makes it matter', async () => {
    const keyOf = async (file: string, model: string, micro: number | null = null) => {
      const { pipeline: p, locate } = await resolvePipeline(file, { cwd: root });
      return workersInKey(analyzeGraphs(p, locate), model, { batch_size: 20, micro_batch: micro }, 2);
    };
    expect(await keyOf('golden.yaml', 'net')).toBe(2); // dropout
    expect(await keyOf('golden.yaml', 'ae')).toBeNull();
    expect(await keyOf('plain.yaml', 'net')).toBeNull();
    expect(await keyOf('plain.yaml', 'net', 5)).toBeNull();
    // Shared statistics: BatchNorm alone does not make the worker count matter; pieces of 5 do.
    expect(await keyOf('plain.yaml', 'bn')).toBeNull();
    expect(await keyOf('plain.yaml', 'bn', 10)).toBeNull();
    expect(await keyOf('plain.yaml', 'bn', 5)).toBe(2);
  });
});

describe('micro_batch (gradient accumulation)', () => {
  // 48 images in batches of 20 (the last 8). One worker, micro_batch 6: pieces 5+5+5+5 and 4+4;
  // two workers, micro_batch 3: shards of 10 in pieces 3+3+2+2, the last shards of 4 in 2+2.
  it.each([[1, 6], [2, 3]])('%i worker(s) with micro_batch %i match one unsplit worker on a model without BatchNorm or dropout', async (workers, micro) => {
    const one = await trainOneStage(root, 'plain.yaml', 'train', { workers: 1 });
    const before = tf.memory().numTensors;
    const split = await trainOneStage(root, 'plain.yaml', 'train', { workers, sets: [`stages.train.micro_batch=${micro}`] });
    expect(tf.memory().numTensors).toBe(before);
    expect(split.steps).toHaveLength(6);
    split.steps.forEach((loss, i) => expect(Math.abs(loss - one.steps[i])).toBeLessThan(1e-6));
    split.weights.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - one.weights[i][j])).toBeLessThan(1e-5 * (1 + Math.abs(one.weights[i][j])))));
    expect(split.records.map((r) => r.val!.top1)).toEqual(one.records.map((r) => r.val!.top1));
    // The accuracy is counted over every piece's outputs, in order.
    expect(split.records.map((r) => r.train!.top1)).toEqual(one.records.map((r) => r.train!.top1));
  }, 120_000);

  it('with BatchNorm each piece is normalised on its own: two workers in pieces of 5 step as one worker in pieces of 5', async () => {
    const sets = ['stages.bn.micro_batch=5'];
    const twoPieces = await trainOneStage(root, 'plain.yaml', 'bn', { workers: 2, stopAfter: 1, sets });
    const onePieces = await trainOneStage(root, 'plain.yaml', 'bn', { workers: 1, stopAfter: 1, sets });
    const whole = await trainOneStage(root, 'plain.yaml', 'bn', { workers: 1, stopAfter: 1 });
    expect(Math.abs(twoPieces.steps[0] - onePieces.steps[0])).toBeLessThan(1e-6);
    expect(Math.abs(onePieces.steps[0] - whole.steps[0])).toBeGreaterThan(1e-4);
    // The trainable weights after the step (the running statistics are updated once per piece
    // here, as a PyTorch loop accumulating gradients does, and by worker 0 alone there).
    const trainable = (r: typeof whole) => r.weights.slice(0, -4);
    trainable(twoPieces).forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - trainable(onePieces)[i][j])).toBeLessThan(1e-5)));
  }, 120_000);

  it('is in a stage\'s key only where BatchNorm or dropout makes it matter', async () => {
    const keys = async (sets: string[]) => {
      const { pipeline: p, locate } = await resolvePipeline('plain.yaml', { cwd: root, sets });
      return stageKeys(p, analyzeGraphs(p, locate), { backend: 'wasm', workers: 1, fingerprint: () => 'data' });
    };
    const [plain, split, unsplit] = [await keys([]), await keys(['stages.train.micro_batch=5', 'stages.bn.micro_batch=5']), await keys(['stages.bn.micro_batch=20'])];
    expect(split.train.key).toBe(plain.train.key);
    expect(split.bn.key).not.toBe(plain.bn.key);
    // Pieces are cut from each worker's shard: the worker count matters with them, not without.
    expect(changedKeyFields(plain.bn.input, split.bn.input)).toEqual(['workers', 'micro_batch']);
    expect([plain.bn.input.workers, split.bn.input.workers]).toEqual([null, 1]);
    // A micro_batch as large as the batch splits nothing.
    expect(unsplit.bn.key).toBe(plain.bn.key);
  });

  it.each([
    [20, null, [[0, 20]]],
    [20, 20, [[0, 20]]],
    [20, 6, [[0, 5], [5, 5], [10, 5], [15, 5]]],
    [10, 3, [[0, 3], [3, 3], [6, 2], [8, 2]]],
    [1, 3, [[0, 1]]],
  ])('%i rows, micro_batch %s: pieces %j', (rows, micro, want) => {
    expect(microPieces(rows, micro).map((s) => [s.offset, s.n])).toEqual(want);
  });

  it('gives each piece of a step its own dropout step, and an unsplit step the clock itself', () => {
    expect(piecesPerStep(64, 2, null)).toBe(1);
    expect(piecesPerStep(64, 1, 16)).toBe(4);
    expect(piecesPerStep(64, 2, 16)).toBe(2);
    expect(piecesPerStep(65, 2, 16)).toBe(3); // a shard of 33 is three pieces
  });
});

describe('the shares of the parameters', () => {
  it.each([
    [[363], 2], [[36, 4, 288, 8, 24, 3], 3], [[5], 4], [[1000, 1, 64, 4096], 7], [[1_000_003, 17], 16],
  ])('weights %j over %i workers: each value is updated by exactly one worker, cut at multiples of 64', (sizes, workers) => {
    const shared = SharedArrays.allocate({ workers, paramSizes: sizes, stateSizes: [], maxBatch: 1, inputSize: 1, outputSize: 0, statsWidth: 0 });
    const total = sizes.reduce((a, b) => a + b, 0);
    const owner = new Int32Array(total).fill(-1);
    const problems: string[] = [];
    for (let k = 0; k < workers; k++) {
      for (const p of shared.ownedPieces(k)) {
        if (!(p.from < p.to && p.to <= sizes[p.weight] && p.at === shared.paramOffsets[p.weight] + p.from)) problems.push(`worker ${k}: piece ${JSON.stringify(p)}`);
        for (let i = p.at; i < p.at + (p.to - p.from); i++) {
          if (owner[i] !== -1) problems.push(`value ${i}: workers ${owner[i]} and ${k}`);
          owner[i] = k;
        }
      }
    }
    for (let i = 0; i < total; i++) {
      if (owner[i] < 0) problems.push(`value ${i}: no worker`);
      // Owners ascend, and every cut between two workers is at a multiple of 64.
      else if (i > 0 && owner[i] !== owner[i - 1] && (owner[i] < owner[i - 1] || i % 64 !== 0)) problems.push(`a cut at ${i}: workers ${owner[i - 1]} then ${owner[i]}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    // Equal shares, to a cut's rounding.
    const counts = Array.from({ length: workers }, (_, k) => owner.filter((o) => o === k).length);
    if (total >= 64 * workers * 4) expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(64);
  });
});

describe('the number of training workers', () => {
  it('is --workers, else the pipeline\'s workers, else one per core; the tensorflow backends train on one', () => {
    expect(chooseTrainWorkers(3, 2, 'wasm')).toEqual({ workers: 3, note: null });
    expect(chooseTrainWorkers(undefined, 2, 'wasm')).toEqual({ workers: 2, note: null });
    expect(chooseTrainWorkers(undefined, undefined, 'cpu').workers).toBeGreaterThanOrEqual(1);
    expect(chooseTrainWorkers(undefined, undefined, 'tensorflow')).toEqual({ workers: 1, note: null });
    expect(chooseTrainWorkers(undefined, 2, 'tensorflow-gpu')).toEqual({ workers: 1, note: "the pipeline's workers: 2 is set aside on tensorflow-gpu, which uses every core itself" });
    expect(() => chooseTrainWorkers(2, undefined, 'tensorflow')).toThrow(/--workers 2: training workers run on the wasm-onednn, wasm, cpu backends; tensorflow uses every core itself/);
    expect(chooseTrainWorkers(1, undefined, 'tensorflow')).toEqual({ workers: 1, note: null });
  });
});
