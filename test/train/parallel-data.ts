// A tiny IDX data set and pipelines for the data-parallel tests: three classes of 12x12 greyscale
// patterns (horizontal stripes, vertical stripes, a checkerboard) with seeded noise, written as
// raw bytes so the images are the same on every machine (no codec in between).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { trainStage, type EpochRecord, type StageResult } from '../../src/train/loop.js';
import { openStageData } from '../../src/train/stage-data.js';
import { writeIdx } from '../helpers/idx.js';

export const SIDE = 12;

function pattern(cls: number, k: number): Uint8Array {
  const img = new Uint8Array(SIDE * SIDE);
  // A fixed linear congruential sequence: noise that depends on (class, image) only.
  let s = (cls * 7919 + k * 104729 + 1) >>> 0;
  const noise = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24) - 128;
  const period = 2 + (k % 3);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const on = cls === 0 ? Math.floor(y / period) % 2 : cls === 1 ? Math.floor(x / period) % 2 : (Math.floor(x / period) + Math.floor(y / period)) % 2;
      img[y * SIDE + x] = Math.max(0, Math.min(255, (on ? 190 : 60) + (noise() >> 2)));
    }
  }
  return img;
}

/** Writes train (48 images) and test (12) IDX files into a new temp folder and returns it. */
export function writePatternSet(): string {
  const root = mkdtempSync(join(tmpdir(), 'pipe-parallel-'));
  for (const [split, n, offset] of [['train', 48, 0], ['test', 12, 1000]] as const) {
    const images = new Uint8Array(n * SIDE * SIDE);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      images.set(pattern(i % 3, offset + i), i * SIDE * SIDE);
    }
    writeIdx(join(root, `${split}-images.idx`), [n, SIDE, SIDE], images, false);
    writeIdx(join(root, `${split}-labels.idx`), [n], labels, false);
  }
  return root;
}

const HEAD = `name: parallel
seed: 5
dataset:
  format: idx
  root: .
  channels: 1
  image_size: [${SIDE}, ${SIDE}]
  idx:
    train: {images: train-images.idx, labels: train-labels.idx}
    test: {images: test-images.idx, labels: test-labels.idx}
augment:
  flip: [{op: random_horizontal_flip}]
  holes: [{op: cutout, num_holes: 1, max_h_size: 4, max_w_size: 4, p: 1}]
`;

/** One classify stage per optimiser on a net with BatchNorm and dropout, and a reconstruction stage. */
export const GOLDEN_PIPELINE = HEAD + `models:
  net:
    input: [${SIDE}, ${SIDE}, 1]
    nodes:
      - {op: conv, filters: 4, kernel: 3, padding: 1}
      - {op: batchnorm}
      - {op: relu}
      - {op: conv, filters: 8, kernel: 3, stride: 2, padding: 1}
      - {op: relu}
      - {op: global_avgpool}
      - {op: dropout, p: 0.2}
      - {op: dense, units: 3}
  ae:
    input: [${SIDE}, ${SIDE}, 1]
    nodes:
      - {op: conv, filters: 4, kernel: 3, padding: 1}
      - {op: relu}
      - {op: conv, filters: 1, kernel: 3, padding: 1}
stages:
  sgd:
    kind: classify
    model: net
    train: {split: train, augment: flip}
    val: {split: test}
    epochs: 2
    batch_size: 16
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 1.0e-3, nesterov: true}
  adam:
    kind: classify
    model: net
    train: {split: train, augment: flip}
    val: {split: test}
    epochs: 2
    batch_size: 16
    optimizer: {type: adam, lr: 0.01, weight_decay: 1.0e-3, amsgrad: true}
  adamw:
    kind: classify
    model: net
    train: {split: train}
    val: {split: test}
    epochs: 2
    batch_size: 20
    optimizer: {type: adamw, lr: 0.01}
  rmsprop:
    kind: classify
    model: net
    train: {split: train, augment: flip}
    val: {split: test}
    epochs: 2
    batch_size: 16
    optimizer: {type: rmsprop, lr: 0.01, momentum: 0.5, centered: true, weight_decay: 1.0e-3}
  recon:
    kind: reconstruct
    model: ae
    train: {split: train, unlabelled: true}
    corrupt: holes
    epochs: 2
    batch_size: 16
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
`;

/** A net without BatchNorm or dropout (N workers must match one to float tolerance), and one with two BatchNorms. */
export const PLAIN_PIPELINE = HEAD + `models:
  net:
    input: [${SIDE}, ${SIDE}, 1]
    nodes:
      - {op: conv, filters: 4, kernel: 3, padding: 1}
      - {op: relu}
      - {op: maxpool, kernel: 2}
      - {op: conv, filters: 8, kernel: 3, stride: 2, padding: 1}
      - {op: relu}
      - {op: global_avgpool}
      - {op: dense, units: 3}
  bn:
    input: [${SIDE}, ${SIDE}, 1]
    nodes:
      - {op: conv, filters: 4, kernel: 3, padding: 1}
      - {op: batchnorm}
      - {op: relu}
      - {op: conv, filters: 6, kernel: 3, stride: 2, padding: 1}
      - {op: batchnorm}
      - {op: relu}
      - {op: global_avgpool}
      - {op: dense, units: 3}
stages:
  train:
    kind: classify
    model: net
    train: {split: train, augment: flip}
    val: {split: test}
    epochs: 2
    batch_size: 20
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 1.0e-3}
  bn:
    kind: classify
    model: bn
    train: {split: train}
    epochs: 1
    batch_size: 20
    optimizer: {type: sgd, lr: 0.05}
`;

/** What a stage's training left: the loss of every step, the epochs, and the final weights. */
export interface StageRun {
  readonly steps: number[];
  readonly records: EpochRecord[];
  readonly weights: Float32Array[];
  readonly stopped: StageResult['stopped'];
}

export interface StageRunOptions {
  readonly workers: number;
  /** Where the stage's checkpoints go (a fresh temp folder by default). */
  readonly dir?: string;
  /** Resume from the checkpoint in `dir`. */
  readonly resume?: boolean;
  /** Stop after this many steps (as Ctrl-C would). */
  readonly stopAfter?: number;
  /** --set overrides of the pipeline (e.g. a stage's micro_batch). */
  readonly sets?: readonly string[];
}

/** Trains stage `name` of pipeline `file` in `root` as `pipe run` does, through trainStage. */
export async function trainOneStage(root: string, file: string, name: string, o: StageRunOptions): Promise<StageRun> {
  const { pipeline: p, locate } = await resolvePipeline(file, { cwd: root, sets: o.sets });
  const plan = analyzeGraphs(p, locate);
  const stage = p.stages[name];
  const model = compileGraphs(p, plan).model(stage.model);
  const data = await openStageData(p, name, stage, { cacheDir: null, workers: 0, splits: new Map() });
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'pipe-parallel-stage-'));
  const steps: number[] = [];
  const records: EpochRecord[] = [];
  try {
    const files = { checkpoint: join(dir, 'checkpoint'), best: join(dir, 'best'), resume: o.resume ? readCheckpoint(join(dir, 'checkpoint')) : null };
    const progress = {
      onStep: (_s: string, _e: number, _i: number, _n: number, loss: number) => void steps.push(loss),
      onEpoch: (r: EpochRecord) => void records.push(r),
      shouldStop: () => o.stopAfter !== undefined && steps.length >= o.stopAfter,
    };
    const result = await trainStage(tf, name, stage, model, data, progress, files, o.workers);
    return { steps, records, weights: model.getWeights().map((w) => w.dataSync() as Float32Array), stopped: result.stopped };
  } finally {
    await data.close();
    model.dispose();
  }
}

/** An epoch record without its timings (which no two runs share). */
export function untimed(records: readonly EpochRecord[]): object[] {
  return records.map(({ imagesPerSecond: _i, seconds: _s, ...rest }) => rest);
}

/** Task 2's structure: an autoencoder pretrains an encoder, a classifier starts from it frozen. */
export const TASK2_PIPELINE = HEAD + `models:
  encoder:
    input: [${SIDE}, ${SIDE}, 1]
    nodes:
      - {op: conv, name: c1, filters: 4, kernel: 3, stride: 2, padding: 1}
      - {op: relu}
  decoder:
    input: encoder
    nodes:
      - {op: conv_transpose, filters: 1, kernel: 4, stride: 2, padding: 1}
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
    epochs: 1
    batch_size: 16
    optimizer: {type: adam, lr: 0.01}
  finetune:
    kind: classify
    needs: [pretrain]
    model: classifier
    init: {encoder: pretrain}
    freeze: [encoder]
    train: {split: train}
    val: {split: test}
    epochs: 1
    batch_size: 16
    optimizer: {type: sgd, lr: 0.1, momentum: 0.9}
`;
