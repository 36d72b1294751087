// Study records made by hand for the study report's tests: one stage record per trial (its metric
// stage), val top-1 per epoch as given.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StageRecord, StudyRecord, TrialRecord } from '../../src/study/record.js';
import type { EpochRecord } from '../../src/train/loop.js';

export interface TrialSpec {
  readonly name: string;
  readonly values?: TrialRecord['values'];
  /** Val top-1 per epoch (those up to prunedAt kept); the trial's metric is the best of them. */
  readonly tops?: readonly number[];
  readonly status?: TrialRecord['status'];
  readonly error?: string;
  readonly prunedAt?: number;
  readonly stage?: string;
  readonly model?: string;
  readonly parameters?: number;
  /** Seconds of each epoch: 10, 11, 12... unless given. */
  readonly seconds?: readonly number[];
}

export function epochRecords(stage: string, tops: readonly number[], seconds?: readonly number[]): EpochRecord[] {
  const metrics = (loss: number, top1: number) => ({ loss, top1, top5: null, perClassCorrect: null, perClassCount: null, images: 1000 });
  return tops.map((top1, i) => ({ stage, epoch: i + 1, epochs: tops.length, lr: 1e-3, train: metrics(2 - top1, top1 / 2), val: metrics(2.5 - top1, top1), imagesPerSecond: 100, seconds: seconds?.[i] ?? 10 + i }));
}

export function makeStudy(specs: readonly TrialSpec[], over: Partial<StudyRecord> = {}): StudyRecord {
  const trials: TrialRecord[] = [];
  const stages: StageRecord[] = [];
  specs.forEach((s, i) => {
    const stage = s.stage ?? 'finetune';
    const key = `key${i}`;
    // Successive halving stops a pruned stage at its rung: its epochs end there.
    const records = epochRecords(stage, (s.tops ?? []).slice(0, s.prunedAt), s.seconds);
    const counted = records.map((r) => r.val!.top1!);
    const status = s.status ?? (s.prunedAt ? 'pruned' : 'done');
    trials.push({ name: s.name, file: '/studies/p.yaml', sets: [], values: s.values ?? {}, status, metric: counted.length ? Math.max(...counted) : null, error: s.error ?? null, keys: { [stage]: key }, metricStage: stage });
    stages.push({ key, stage, model: s.model ?? 'classifier', parameters: s.parameters ?? 1_048_832, epochs: 5, trials: [i], status: status === 'done' ? 'done' : status === 'pruned' ? 'pruned' : 'failed', error: s.error ?? null, seconds: 50, prunedAt: s.prunedAt ?? null, records });
  });
  return {
    format: 1,
    study: 'task2_lr',
    file: '/studies/task2-lr.yaml',
    status: 'done',
    started: '2026-01-02T10:00:00.000Z',
    updated: '2026-01-02T12:30:00.000Z',
    pid: 4242,
    host: 'lab',
    metric: { stage: 'finetune', name: 'val_top1', goal: 'max' },
    prune: null,
    axes: ['stages.finetune.optimizer.lr', 'seed'],
    backend: 'wasm',
    workers: 2,
    jobs: 1,
    trials,
    stages,
    ...over,
  };
}

/** A study folder holding `record` (or, given text, that text as study.json). */
export function studyFolder(record: StudyRecord | string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'pipe-study-report-')), 'task2_lr-20260102-100000');
  mkdirSync(dir);
  writeFileSync(join(dir, 'study.json'), typeof record === 'string' ? record : JSON.stringify(record, null, 1) + '\n');
  return dir;
}
