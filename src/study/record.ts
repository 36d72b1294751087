// The study folder: outputs/studies/<study>-<time>/study.json, written again (atomically) at
// every change, so `pipe study --status` and `pipe report` read a consistent record at any time.
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { writeAtomic } from '../cache/files.js';
import type { EpochRecord } from '../train/loop.js';
import { bestValue } from './metric.js';
import type { StudyPlan } from './plan.js';
import type { JobState, StageStatus } from './run.js';
import type { ResolvedStudy, StudyMetric, StudyTrial } from './types.js';

export const STUDY_RECORD_FORMAT = 1;

export type TrialStatus = 'done' | 'failed' | 'pruned' | 'stopped' | 'running' | 'pending';

export interface TrialRecord extends StudyTrial {
  readonly status: TrialStatus;
  /** The metric's best value (at the rung it was cut, for a pruned trial). */
  readonly metric: number | null;
  readonly error: string | null;
  /** Stage -> key (null: the trial could not be planned). */
  readonly keys: Readonly<Record<string, string>> | null;
  /** The stage whose epochs give its metric (its pipeline's: see StudyMetric.stages). */
  readonly metricStage: string;
}

export interface StageRecord {
  readonly key: string;
  readonly stage: string;
  readonly model: string;
  readonly parameters: number;
  readonly epochs: number | null;
  /** Indexes of the trials that share it. */
  readonly trials: readonly number[];
  readonly status: StageStatus;
  readonly error: string | null;
  readonly seconds: number;
  readonly prunedAt: number | null;
  readonly records: readonly EpochRecord[];
}

export interface StudyRecord {
  readonly format: number;
  readonly study: string;
  readonly file: string;
  readonly status: 'running' | 'done' | 'failed' | 'stopped';
  readonly started: string;
  readonly updated: string;
  /** The process running it: `--status` tells a live study from one whose process is gone. */
  readonly pid: number;
  readonly host: string;
  readonly metric: StudyMetric;
  readonly prune: ResolvedStudy['prune'];
  readonly axes: readonly string[];
  readonly backend: string;
  readonly workers: number;
  readonly jobs: number;
  readonly trials: readonly TrialRecord[];
  readonly stages: readonly StageRecord[];
}

export function studyRecord(study: ResolvedStudy, plan: StudyPlan, states: ReadonlyMap<string, Readonly<JobState>>, at: { started: Date; backend: string; workers: number; jobs: number; finished: boolean; stopped: boolean }): StudyRecord {
  const trials = study.trials.map((t, i) => trialRecord(t, plan.trials[i], study.metric, states));
  const status = !at.finished ? 'running' : at.stopped || trials.some((t) => t.status === 'stopped') ? 'stopped' : trials.some((t) => t.status === 'failed') ? 'failed' : 'done';
  return {
    format: STUDY_RECORD_FORMAT,
    study: study.name,
    file: study.file,
    status,
    started: at.started.toISOString(),
    updated: new Date().toISOString(),
    pid: process.pid,
    host: hostname(),
    metric: study.metric,
    prune: study.prune,
    axes: study.axes,
    backend: at.backend,
    workers: at.workers,
    jobs: at.jobs,
    trials,
    stages: plan.jobs.map((j) => {
      const s = states.get(j.key)!;
      return { key: j.key, stage: j.stage, model: j.model, parameters: j.parameters, epochs: j.epochs, trials: j.trials, status: s.status, error: s.error, seconds: s.seconds, prunedAt: s.prunedAt, records: s.records };
    }),
  };
}

function trialRecord(trial: StudyTrial, planned: StudyPlan['trials'][number], metric: StudyMetric, states: ReadonlyMap<string, Readonly<JobState>>): TrialRecord {
  if (!planned.keys) return { ...trial, status: 'failed', metric: null, error: planned.error, keys: null, metricStage: planned.metricStage };
  const stages = Object.entries(planned.keys).map(([stage, key]) => ({ stage, ...states.get(key)! }));
  const has = (...s: StageStatus[]) => stages.find((x) => s.includes(x.status));
  const failed = has('failed', 'blocked');
  const status: TrialStatus = failed ? 'failed' : has('pruned') ? 'pruned' : has('stopped') ? 'stopped' : has('running') ? 'running' : has('pending', 'paused') ? 'pending' : 'done';
  const measured = stages.find((s) => s.stage === planned.metricStage);
  const value = measured ? bestValue(measured.records, metric.name, metric.goal, measured.prunedAt ?? Infinity) : null;
  return { ...trial, status, metric: value, error: failed ? `stage ${failed.stage}: ${failed.error}` : null, keys: planned.keys, metricStage: planned.metricStage };
}

/** A new study folder: outputs/studies/<name>-<YYYYMMDD-HHMMSS>[-n]/. */
export function openStudyDir(outputs: string, name: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const parent = join(outputs, 'studies');
  mkdirSync(parent, { recursive: true });
  for (let n = 0; ; n++) {
    const dir = join(parent, `${name}-${stamp}${n ? `-${n}` : ''}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export function writeStudyRecord(dir: string, record: StudyRecord): void {
  writeAtomic(join(dir, 'study.json'), Buffer.from(JSON.stringify(record, null, 1) + '\n'));
}

export function readStudyRecord(dir: string): StudyRecord {
  return JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8')) as StudyRecord;
}

/** The newest folder of the study `name` under outputs/studies/ (null: none). */
export function latestStudyDir(outputs: string, name: string): string | null {
  const parent = join(outputs, 'studies');
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return null;
  }
  const mine = names.filter((n) => n.startsWith(`${name}-`) && /^\d{8}-\d{6}(-\d+)?$/.test(n.slice(name.length + 1)));
  // Names hold the start time: they sort in the order the studies started.
  const withRecord = mine.filter((n) => statSync(join(parent, n, 'study.json'), { throwIfNoEntry: false })).sort((a, b) => startOrder(a) - startOrder(b) || (a < b ? -1 : 1));
  return withRecord.length ? join(parent, withRecord[withRecord.length - 1]) : null;
}

function startOrder(name: string): number {
  const m = /(\d{8})-(\d{6})(?:-(\d+))?$/.exec(name)!;
  return Number(m[1] + m[2]) * 1000 + Number(m[3] ?? 0);
}
