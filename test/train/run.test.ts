// End to end on tiny generated data: a classify stage learns; the task-2 structure (reconstruct,
// then classify with the encoder moved over) works; runs repeat exactly; divergence stops cleanly.
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { JobError } from '../../src/errors.js';
import type { EpochRecord } from '../../src/train/loop.js';
import type { RunEvents } from '../../src/train/run.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { runFile, runResolved } from '../helpers/run.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

let dir: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  // Three textures (horizontal stripes, vertical stripes, checkerboard) in varying colours and
  // periods: learnable in a few dozen steps, so the test checks the loop, not the task.
  dir = (await buildTinyImageNet({ classes: 3, trainPerClass: 40, valPerClass: 10, size: 16 })).root;
}, 120_000);

const HEAD = `name: tiny
seed: 3
dataset: {format: tiny-imagenet, root: ., image_size: [16, 16]}
augment:
  flip: [{op: random_horizontal_flip}]
  holes: [{op: cutout, num_holes: 2, max_h_size: 4, max_w_size: 4, p: 1}]
`;

const CLASSIFY = HEAD + `models:
  net:
    input: [16, 16, 3]
    nodes:
      - {op: conv, filters: 16, kernel: 3, padding: 1}
      - {op: batchnorm}
      - {op: relu}
      - {op: maxpool, kernel: 2}
      - {op: conv, filters: 32, kernel: 3, padding: 1}
      - {op: batchnorm}
      - {op: relu}
      - {op: global_avgpool}
      - {op: dropout, p: 0.1}
      - {op: dense, units: 3}
stages:
  train:
    kind: classify
    model: net
    train: {split: train, augment: flip}
    val: {split: val}
    epochs: 8
    batch_size: 16
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
`;

const TASK2 = HEAD + `models:
  encoder:
    input: [16, 16, 3]
    nodes:
      - {op: conv, name: c1, filters: 8, kernel: 3, stride: 2, padding: 1}
      - {op: relu}
      - {op: conv, name: c2, filters: 16, kernel: 3, stride: 2, padding: 1}
      - {op: relu}
  decoder:
    input: encoder
    nodes:
      - {op: conv_transpose, filters: 8, kernel: 4, stride: 2, padding: 1}
      - {op: relu}
      - {op: conv_transpose, filters: 3, kernel: 4, stride: 2, padding: 1}
  head:
    input: encoder
    nodes:
      - {op: global_avgpool}
      - {op: dense, units: 3}
  autoencoder: {compose: [encoder, decoder]}
  classifier: {compose: [encoder, head]}
stages:
  pretrain:
    kind: reconstruct
    model: autoencoder
    train: {split: train, unlabelled: true}
    corrupt: holes
    epochs: 4
    batch_size: 16
    optimizer: {type: adam, lr: 0.005}
  finetune:
    kind: classify
    needs: [pretrain]
    model: classifier
    init: {encoder: pretrain}
    train: {split: train, fraction: 0.2, stratified: true}
    val: {split: val}
    epochs: 2
    batch_size: 8
    optimizer: {type: adam, lr: 0.005}
`;

async function run(yaml: string, sets: string[] = [], events: Partial<RunEvents> = {}) {
  const file = `p-${Math.random().toString(36).slice(2)}.yaml`;
  writeFileSync(join(dir, file), yaml);
  // Outputs of its own: an equal stage run earlier by another test would be reused from the cache.
  return runFile(file, { cwd: dir, outputs: join(dir, `out-${file}`), sets, events });
}

describe('pipe run on tiny data', () => {
  it('a classify stage learns: the loss falls and val accuracy is well above chance', async () => {
    const { result, records } = await run(CLASSIFY);
    expect(records.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(records[7].train!.loss).toBeLessThan(records[0].train!.loss);
    expect(result.rows[0].bestValTop1).toBeGreaterThan(0.8); // chance is 1/3
    const lines = readFileSync(join(result.dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(readFileSync(join(result.dir, 'summary.md'), 'utf8')).toMatch(/\| train \| net \| 8 \| \d[\d,]* \| \d+\.\d\d% \|/);
    const saved = JSON.parse(readFileSync(join(result.dir, 'train', 'model.json'), 'utf8'));
    expect(saved.format).toBe('layers-model');
  }, 300_000);

  it('repeats exactly: same pipeline, seed and backend give identical metrics', async () => {
    const a = await run(CLASSIFY, ['stages.train.epochs=2']);
    const b = await run(CLASSIFY, ['stages.train.epochs=2']);
    const strip = (rs: readonly EpochRecord[]) => rs.map((r) => ({ ...r, imagesPerSecond: 0, seconds: 0 }));
    expect(strip(b.records)).toEqual(strip(a.records));
  }, 300_000);

  it('task 2: reconstruction loss falls, and the classifier starts from the pretrained encoder', async () => {
    const weightsAt: Record<string, Float32Array[]> = {};
    const snapshot = (stage: string, model: tf.LayersModel, when: string) => {
      weightsAt[`${stage}/${when}`] = model.layers.filter((l) => l.name.startsWith('encoder/')).flatMap((l) => l.getWeights().map((w) => w.dataSync() as Float32Array));
    };
    let pretrained: tf.LayersModel | null = null;
    const { records } = await run(TASK2, [], {
      stageReady: (stage, model) => {
        snapshot(stage, model, 'start');
        if (stage === 'pretrain') pretrained = model;
      },
      stageEnd: (stage) => {
        if (stage === 'pretrain' && pretrained) snapshot(stage, pretrained, 'end');
      },
    });
    const pre = records.filter((r) => r.stage === 'pretrain');
    expect(pre.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    expect(pre[3].train!.loss).toBeLessThan(pre[0].train!.loss);
    expect(pre[0].train!.top1).toBeNull();
    expect(weightsAt['finetune/start']).toEqual(weightsAt['pretrain/end']);
    expect(weightsAt['finetune/start']).not.toEqual(weightsAt['pretrain/start']);
    expect(records.filter((r) => r.stage === 'finetune')).toHaveLength(2);
  }, 300_000);

  it('stops early when the watched metric stops improving, and ends with the best epoch\'s weights', async () => {
    const yaml = CLASSIFY + '    early_stopping: {monitor: train_loss, mode: max, patience: 1}\n' + '  test: {kind: evaluate, needs: [train], model: net, init: {net: train}, val: {split: val}}\n';
    const { result, records } = await run(yaml);
    // train_loss falls, so "max" sees no improvement after epoch 1: stop after 1 + patience epochs.
    expect(records.filter((r) => r.stage === 'train').map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(result.rows[0].stopped).toBe('early_stopping');
    // The saved model is epoch 1's (restore_best): evaluating it gives epoch 1's numbers.
    const evaluated = records.find((r) => r.stage === 'test')!;
    expect(evaluated.val!.loss).toBeCloseTo(records[0].val!.loss, 6);
    expect(evaluated.val!.loss).not.toBeCloseTo(records[2].val!.loss, 6);
  }, 300_000);

  it('init names every weight the earlier stage lacks', async () => {
    const error = await run(TASK2.replace('    init: {encoder: pretrain}', '    init: {encoder: pretrain, head: pretrain}')).catch((e) => e);
    expect(error.message).toMatch(/^stages\.finetune\.init\.head: cannot start from stage 'pretrain': head\/dense_1\/kernel: not in stage 'pretrain'; head\/dense_1\/bias: not in stage 'pretrain'$/);
  }, 300_000);

  it('an evaluate stage measures a trained model: the same numbers as its last epoch', async () => {
    const { records } = await run(CLASSIFY.replace('epochs: 8', 'epochs: 2') + '  test: {kind: evaluate, needs: [train], model: net, init: {net: train}, val: {split: val}}\n');
    const [last, evaluated] = [records[1], records[2]];
    expect(evaluated.stage).toBe('test');
    expect(evaluated.train).toBeNull();
    expect(evaluated.val!.top1).toBe(last.val!.top1);
    expect(evaluated.val!.loss).toBeCloseTo(last.val!.loss, 6);
  }, 300_000);

  it('freeze keeps a model\'s weights fixed while the rest trains', async () => {
    const snapshots: Record<string, Float32Array[]> = {};
    const take = (m: tf.LayersModel, prefix: string) => m.layers.filter((l) => l.name.startsWith(prefix)).flatMap((l) => l.getWeights().map((w) => w.dataSync() as Float32Array));
    let model: tf.LayersModel | null = null;
    await run(TASK2.replace('    init: {encoder: pretrain}', '    init: {encoder: pretrain}\n    freeze: [encoder]'), [], {
      stageReady: (stage, m) => {
        if (stage !== 'finetune') return;
        model = m;
        snapshots.encoder = take(m, 'encoder/');
        snapshots.head = take(m, 'head/');
      },
      stageEnd: (stage) => {
        if (stage !== 'finetune' || !model) return;
        expect(take(model, 'encoder/')).toEqual(snapshots.encoder);
        expect(take(model, 'head/')).not.toEqual(snapshots.head);
        snapshots.checked = [];
      },
    });
    expect(snapshots.checked).toBeDefined();
  }, 300_000);

  it('resumes a stopped run exactly: same metrics and weights as an uninterrupted one', async () => {
    const file = 'resume.yaml';
    writeFileSync(join(dir, file), TASK2.replace('    epochs: 2\n', '    epochs: 3\n').replace('    train: {split: train, fraction: 0.2, stratified: true}', '    train: {split: train, fraction: 0.5, stratified: true}\n    early_stopping: {monitor: val_loss, patience: 5}'));
    const final = new Map<string, Float32Array[]>();
    const weightsAtEnd = (key: string) => ({
      stageReady: (stage: string, m: tf.LayersModel) => void (stage === 'finetune' && (model = m)),
      stageEnd: (stage: string) => void (stage === 'finetune' && model && final.set(key, model.getWeights().map((w) => w.dataSync() as Float32Array))),
    });
    let model: tf.LayersModel | null = null;
    const whole = await runFile(file, { cwd: dir, outputs: join(dir, 'whole-out'), events: weightsAtEnd('whole') });
    const outputs = join(dir, 'resume-out');
    // Stop twice: mid-epoch in the pretraining, then mid-epoch in the fine-tuning, resuming each time.
    let steps = 0;
    let stopAt = 7;
    const runTo = async (resume?: string) => {
      const { pipeline, locate } = await resolvePipeline(file, { cwd: dir });
      return runResolved(pipeline, analyzeGraphs(pipeline, locate), { outputs, resume, shouldStop: () => ++steps === stopAt, events: weightsAtEnd('resumed') });
    };
    const first = await runTo();
    expect(first.result.interrupted).toBe(true);
    stopAt = 40;
    const second = await runTo(first.result.dir);
    expect(second.result.interrupted).toBe(true);
    stopAt = -1;
    const third = await runTo(first.result.dir);
    expect(third.result.interrupted).toBe(false);
    const strip = (rs: readonly EpochRecord[]) => rs.map((r) => ({ ...r, imagesPerSecond: 0, seconds: 0 }));
    expect(strip([...first.records, ...second.records, ...third.records])).toEqual(strip(whole.records));
    const lines = readFileSync(join(first.result.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch);
    expect(lines).toEqual(whole.records.map((r) => r.epoch));
    expect(final.get('resumed')).toEqual(final.get('whole'));
    expect(third.result.rows).toEqual(whole.result.rows);
  }, 300_000);

  it('refuses to resume a run of another pipeline, naming what changed', async () => {
    const { result } = await run(CLASSIFY, ['stages.train.epochs=1']);
    writeFileSync(join(dir, 'other.yaml'), CLASSIFY.replace('lr: 0.05', 'lr: 0.01'));
    const { pipeline, locate } = await resolvePipeline('other.yaml', { cwd: dir, sets: ['stages.train.epochs=1'] });
    const attempt = runResolved(pipeline, analyzeGraphs(pipeline, locate), { outputs: join(dir, 'outputs'), resume: result.dir });
    await expect(attempt).rejects.toThrow(/stage 'train' changed since the run in .* was made: optimizer \(run it afresh/);
  }, 300_000);

  it('stops with a clear message when the loss diverges, keeping the last good checkpoint', async () => {
    // A sane first epoch, then an lr that overflows float32 at once.
    const yaml = CLASSIFY.replace('epochs: 8', 'epochs: 3') + '    schedule: {type: manual, lr_at: {1: 1.0e38}}\n';
    const error = await run(yaml).catch((e) => e);
    expect(error).toBeInstanceOf(JobError);
    expect(error.message).toMatch(/^stage 'train': the loss became (NaN|Infinity|-Infinity) at epoch 2, step \d+ \(lr 1e\+38\)$/);
    const checkpoint = /is in (.*)$/.exec(error.hint)![1];
    expect(JSON.parse(readFileSync(join(checkpoint, 'checkpoint.json'), 'utf8')).state).toMatchObject({ epoch: 1, step: 0 });
  }, 300_000);
});
