// Outputs folders for pipe serve's tests, written by the engine's own writers (openRunDir,
// writeMetrics, writeSummary: the files a training run writes, in its format), with epochs made
// up: training would take minutes, and the server only reads what the files say.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { resolvePipeline } from '../../src/config/resolve.js';
import { keysFor } from '../../src/diff/stages.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import type { EpochRecord, StageResult } from '../../src/train/loop.js';
import { openRunDir, writeMetrics, writeSummary } from '../../src/train/run-dir.js';
import { recordStatus, runningStatus } from '../../src/train/run-status.js';
import { summaryRow } from '../../src/train/summary.js';
import { makeStudy, type TrialSpec } from '../helpers/study-record.js';

export const CLASSES = ['disc', 'square', 'triangle'];

/** A small classifier pipeline; `lr` and `units` vary it between runs. */
export function pipelineYaml(name: string, o: { lr?: number; units?: number; root?: string } = {}): string {
  return `name: ${name}
dataset: {format: tiny-imagenet, root: ${o.root ?? 'data'}, image_size: [16, 16]}
models:
  net:
    input: [16, 16, 3]
    nodes:
      - {op: conv, filters: 4, kernel: 3, padding: 1}
      - {op: global_avgpool}
      - {op: dense, name: hidden, units: ${o.units ?? 8}}
      - {op: dense, name: logits, units: ${CLASSES.length}}
stages:
  train:
    kind: classify
    model: net
    train: {split: train}
    val: {split: val}
    epochs: 5
    optimizer: {type: sgd, lr: ${o.lr ?? 0.1}}
    schedule: {type: step, step_size: 2, gamma: 0.5}
`;
}

/** Epoch `epoch` of stage `train`, as the training loop records it. */
export function epochRecord(epoch: number, o: { lr?: number; top1?: number } = {}): EpochRecord {
  const top1 = o.top1 ?? Math.min(0.95, 0.3 + 0.12 * epoch);
  const counts = [4, 4, 4];
  const correct = counts.map((n, c) => Math.min(n, Math.round(n * top1) + (c === 0 ? 1 : c === 2 ? -1 : 0)));
  const metrics = (loss: number, t: number, images: number) => ({ loss, top1: t, top5: null, perClassCorrect: correct, perClassCount: counts, images });
  return { stage: 'train', epoch, epochs: 5, lr: o.lr ?? 0.1 * 0.5 ** Math.floor((epoch - 1) / 2), train: metrics(1.6 / epoch, top1 * 0.9, 96), val: metrics(1.8 / epoch, top1, 12), imagesPerSecond: 240 + epoch, seconds: 0.4 };
}

export interface RunOptions {
  readonly name?: string;
  readonly lr?: number;
  readonly units?: number;
  readonly epochs?: number;
  /** Writes summary.json and the stage's result and predictions (the run ended). */
  readonly finished?: boolean;
  readonly root?: string;
  readonly now?: Date;
}

/** A run folder under outputs/runs/, as `pipe run` leaves it; returns its folder. */
export async function writeRun(outputs: string, o: RunOptions = {}): Promise<string> {
  const src = mkdtempSync(join(tmpdir(), 'pipe-serve-pipeline-'));
  const file = join(src, 'p.yaml');
  writeFileSync(file, pipelineYaml(o.name ?? 'demo', o));
  const { pipeline, locate } = await resolvePipeline(file, { cwd: src });
  const plan = analyzeGraphs(pipeline, locate);
  const { keys } = await keysFor({ pipeline, plan }, { backend: 'wasm', workers: 1 });
  const info = { pipeline: pipeline.name, stages: ['train'], backend: { kind: 'wasm', versions: {}, details: {} }, workers: 1, loaderWorkers: 0 };
  const dir = await openRunDir(pipeline, keys, info, { outputs, now: o.now ?? new Date() });
  // Running, by this (living) process, until finishRun says done.
  recordStatus(dir, runningStatus());
  const epochs = Array.from({ length: o.epochs ?? 3 }, (_, i) => epochRecord(i + 1, { lr: o.lr }));
  writeMetrics(dir, epochs);
  if (o.finished) finishRun(dir, epochs);
  return dir;
}

/** The val split's classes and the label of each image, as the stage's predictions name them. */
export interface ValLabels {
  readonly classNames: readonly string[];
  readonly labels: readonly number[];
}

/** Four val images per class, class by class. */
const MADE_UP: ValLabels = { classNames: CLASSES, labels: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2] };

/** What the end of a run writes: the stage's result and predictions, then summary.json. Each
 *  class's first image is predicted right, and every third image is taken for the next class. */
export function finishRun(dir: string, epochs: readonly EpochRecord[], val: ValLabels = MADE_UP): void {
  mkdirSync(join(dir, 'train'), { recursive: true });
  const result: StageResult = { epochs, best: null, stopped: 'completed' };
  writeFileSync(join(dir, 'train', 'result.json'), JSON.stringify(result));
  writeFileSync(join(dir, 'train', 'metrics.jsonl'), epochs.map((e) => JSON.stringify(e) + '\n').join(''));
  const k = val.classNames.length;
  const predicted = val.labels.map((y, i) => (i % 3 === 2 ? (y + 1) % k : y));
  writeFileSync(join(dir, 'train', 'predictions.json'), JSON.stringify({ split: 'val', classNames: val.classNames, items: val.labels.map((_, i) => i), labels: val.labels, predicted }));
  writeSummary(dir, [summaryRow('train', 'net', 1234, result)]);
  recordStatus(dir, { state: 'done', ended: new Date().toISOString() });
}

/** A fresh outputs folder. */
export function outputsFolder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'pipe-serve-')), 'outputs');
  mkdirSync(dir);
  return dir;
}

/** A study folder under outputs/studies/ holding a record of these trials. */
export function writeStudy(outputs: string, name: string, trials: readonly TrialSpec[]): string {
  const dir = join(outputs, 'studies', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'study.json'), JSON.stringify(makeStudy(trials), null, 1));
  return dir;
}

/** Every file under `dir` with its bytes and mtime: equal snapshots mean nothing was written. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const s = statSync(p);
      if (s.isDirectory()) {
        out[relative(dir, p) + '/'] = 'folder';
        walk(p);
      }
      else out[relative(dir, p)] = `${s.mtimeMs} ${readFileSync(p).toString('base64')}`;
    }
  };
  walk(dir);
  return out;
}
