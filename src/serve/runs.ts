// The one place `pipe serve` learns which runs there are and what state each is in. It is written
// against the interface of src/runs/ (`pipe runs`: listRuns, readRun, RunListing), built beside
// this; until that lands, the minimal reading below stands in for it: the status run.json
// records if it records one, else done when summary.json was written, else running. Swapping in
// src/runs is a change to this file alone.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { EpochRecord } from '../train/loop.js';

export type RunStatus = 'running' | 'stopped' | 'done' | 'failed' | 'unreadable';

export interface StageListing {
  /** The metric `best` is of: val_top1 for a classifier with validation data, else a loss. */
  readonly metric: string;
  readonly best: number | null;
  readonly epochs: number;
}

export interface RunListing {
  readonly dir: string;
  /** The folder's name: how URLs and tables name the run. */
  readonly name: string;
  readonly pipeline: string;
  /** ISO time; '' when run.json does not say. */
  readonly started: string;
  readonly status: RunStatus;
  /** Why the status is what it is, when it is not plain (unreadable: what is wrong). */
  readonly reason?: string;
  readonly stages: Readonly<Record<string, StageListing>>;
}

const STATUSES: readonly RunStatus[] = ['running', 'stopped', 'done', 'failed'];

/** Every run folder under outputs/runs/, newest first. */
export function listRuns(outputs: string): RunListing[] {
  const root = join(outputs, 'runs');
  if (!existsSync(root)) return [];
  const dirs = readdirSync(root).filter((n) => statSync(join(root, n), { throwIfNoEntry: false })?.isDirectory());
  return dirs.map((n) => readRun(join(root, n))).sort((a, b) => (b.started || '').localeCompare(a.started || '') || a.name.localeCompare(b.name));
}

export function readRun(dir: string): RunListing {
  const name = basename(dir);
  let run: { pipeline?: unknown; started?: unknown; status?: unknown };
  try {
    run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as typeof run;
    if (run === null || typeof run !== 'object') throw new Error('not a JSON object');
  } catch (e) {
    return { dir, name, pipeline: '?', started: '', status: 'unreadable', reason: `run.json: ${(e as Error).message}`, stages: {} };
  }
  const recorded = STATUSES.find((s) => s === run.status);
  const status = recorded ?? (existsSync(join(dir, 'summary.json')) ? 'done' : 'running');
  return { dir, name, pipeline: typeof run.pipeline === 'string' ? run.pipeline : '?', started: typeof run.started === 'string' ? run.started : '', status, stages: stageListings(dir) };
}

/** Per stage, its best validation top-1 (else the lowest loss) and its epochs, from metrics.jsonl. */
function stageListings(dir: string): Record<string, StageListing> {
  let text: string;
  try {
    text = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  } catch {
    return {};
  }
  const byStage = new Map<string, Map<number, EpochRecord>>();
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as EpochRecord;
      if (typeof r?.stage === 'string' && typeof r.epoch === 'number') byStage.set(r.stage, (byStage.get(r.stage) ?? new Map()).set(r.epoch, r));
    } catch {
      // a partial last line of a run being written, or an empty one
    }
  }
  const out: Record<string, StageListing> = {};
  for (const [stage, epochs] of byStage) {
    const records = [...epochs.values()];
    const pick = (of: (r: EpochRecord) => number | null | undefined) => records.map(of).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const tops = pick((r) => r.val?.top1);
    const losses = pick((r) => r.val?.loss);
    const trainLosses = pick((r) => r.train?.loss);
    if (tops.length) out[stage] = { metric: 'val_top1', best: Math.max(...tops), epochs: records.length };
    else if (losses.length) out[stage] = { metric: 'val_loss', best: Math.min(...losses), epochs: records.length };
    else out[stage] = { metric: 'train_loss', best: trainLosses.length ? Math.min(...trainLosses) : null, epochs: records.length };
  }
  return out;
}
