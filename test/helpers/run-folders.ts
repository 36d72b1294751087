// Prepared outputs/runs folders for the run listing's tests: a classifier run, an autoencoder
// pretraining with fine-tuning, a failed one, a killed one, and damaged or foreign folders.
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/** A pid that is not running here: past the kernel's pid_max (4194304 at most on Linux). */
export const DEAD_PID = 2 ** 22 + 7;

const epoch = (stage: string, n: number, of: number, val: { loss: number; top1: number | null } | null, trainTop1: number | null = null) =>
  JSON.stringify({ stage, epoch: n, epochs: of, lr: 0.1, train: { loss: 1, top1: trainTop1, top5: null, perClassCorrect: null, perClassCount: null, images: 8 }, val: val && { ...val, top5: null, perClassCorrect: null, perClassCount: null, images: 4 }, imagesPerSecond: 100, seconds: 1 });

function runFolder(runs: string, name: string, files: Record<string, string>): void {
  mkdirSync(join(runs, name), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(runs, name, f), text);
}

const runJson = (o: Record<string, unknown>) => JSON.stringify({ pipeline: 'demo', stages: ['train'], backend: { kind: 'wasm', versions: {}, details: {} }, workers: 1, loaderWorkers: 0, keys: {}, ...o }, null, 2);

/** outputs/ with runs of every status and two damaged folders; returns the outputs folder. */
export function preparedOutputs(): string {
  const outputs = mkdtempSync(join(tmpdir(), 'pipe-runs-'));
  const runs = join(outputs, 'runs');
  // done: a classifier; its best val top-1 is epoch 2's, and epoch 2 written twice (a resume) keeps the last.
  runFolder(runs, 'demo-20260301-100000', {
    'run.json': runJson({ started: '2026-03-01T10:00:00.000Z', status: { state: 'done', ended: '2026-03-01T10:05:00.000Z' } }),
    'metrics.jsonl': [epoch('train', 1, 3, { loss: 1.2, top1: 0.5 }), epoch('train', 2, 3, { loss: 1, top1: 0.6 }), epoch('train', 2, 3, { loss: 0.9, top1: 0.625 }), epoch('train', 3, 3, { loss: 0.95, top1: 0.6 })].join('\n') + '\n',
  });
  // failed: an autoencoder pretraining (val loss) done, the fine-tuning failed at its first epoch.
  runFolder(runs, 'task2_ae-20260302-090000', {
    'run.json': runJson({ pipeline: 'task2_ae', stages: ['pretrain', 'finetune'], started: '2026-03-02T09:00:00.000Z', status: { state: 'failed', ended: '2026-03-02T09:10:00.000Z', reason: 'stage finetune: the loss is NaN at epoch 1, step 3 (diverged)' } }),
    'metrics.jsonl': [epoch('pretrain', 1, 2, { loss: 0.08, top1: null }), epoch('pretrain', 2, 2, { loss: 0.0625, top1: null }), '{"stage": "pretrain", "epo'].join('\n') + '\n',
  });
  // running on this host with a pid that is gone: killed.
  runFolder(runs, 'demo-20260303-080000', {
    'run.json': runJson({ started: '2026-03-03T08:00:00.000Z', status: { state: 'running', pid: DEAD_PID, host: hostname(), since: '2026-03-03T08:00:00.000Z' } }),
    'metrics.jsonl': epoch('train', 1, 3, null, 0.375) + '\n',
  });
  // running on another machine: taken at its word.
  runFolder(runs, 'demo-20260304-070000', {
    'run.json': runJson({ started: '2026-03-04T07:00:00.000Z', status: { state: 'running', pid: DEAD_PID, host: 'elsewhere.example', since: '2026-03-04T07:00:00.000Z' } }),
  });
  // stopped by SIGTERM.
  runFolder(runs, 'demo-20260305-060000', {
    'run.json': runJson({ started: '2026-03-05T06:00:00.000Z', status: { state: 'stopped', ended: '2026-03-05T06:01:00.000Z', reason: 'received SIGTERM' } }),
    'metrics.jsonl': epoch('train', 1, 3, { loss: 1.5, top1: 0.25 }) + '\n',
  });
  // damaged: run.json cut short; foreign: a folder of someone else's.
  runFolder(runs, 'demo-20260306-050000', { 'run.json': '{"pipeline": "demo", "sta', 'pipeline.yaml': 'name: demo\n' });
  runFolder(runs, 'notes', { 'todo.txt': 'mine' });
  writeFileSync(join(runs, 'README.txt'), 'not a run');
  // An unreadable folder is placed by its modification time.
  utimesSync(join(runs, 'demo-20260306-050000'), new Date('2026-03-06T05:00:00Z'), new Date('2026-03-06T05:00:00Z'));
  utimesSync(join(runs, 'notes'), new Date('2026-02-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'));
  return outputs;
}
