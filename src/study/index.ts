// The study phase's one entry point: read a study, plan it, run it in its folder. Used by
// `pipe study`; a queue executor (another machine's workers) plugs in through StageExecutor.
import { resolve } from 'node:path';
import { StageStore } from '../cache/store.js';
import { stagesToRun } from '../train/run-dir.js';
import { planStudy } from './plan.js';
import type { RemoteSpec } from '../remote/url.js';
import type { StageExecutor } from './executor.js';
import type { StudyPlan } from './plan.js';
import { openStudyDir, studyRecord, writeStudyRecord, type StudyRecord } from './record.js';
import { runStudy, type StudyEvents } from './run.js';
import type { StudySlots } from './slots.js';
import { storedRecords } from './stored.js';
import type { CheckedTrial, ResolvedStudy } from './types.js';

export { loadStudy } from './load.js';
export { planStudy, type StudyPlan, type StudyJob } from './plan.js';
export { latestStudyDir, readStudyRecord, type StudyRecord } from './record.js';
export { chooseSlots, type StudySlots } from './slots.js';
export { LocalExecutor } from './local-executor.js';
export type { StageExecutor, StageJobSpec, JobOutcome, JobEvent } from './executor.js';
export type { ResolvedStudy, StudyTrial, CheckedTrial } from './types.js';

export interface StudyFolderOptions {
  readonly outputs: string;
  readonly executor: StageExecutor;
  /** Where the trials' relative paths resolve (the study was loaded from here). */
  readonly cwd: string;
  readonly backend: string;
  readonly slots: StudySlots;
  readonly events: Omit<StudyEvents, 'changed'>;
  readonly shouldStop: () => boolean;
  readonly now?: Date;
  /** The shared store every job pulls from and pushes to (--remote). */
  readonly remote?: RemoteSpec | null;
}

/** Writes the record at most this often while jobs report epochs (and always at the end). */
const RECORD_EVERY_MS = 500;

export async function runStudyInFolder(study: ResolvedStudy, plan: StudyPlan, o: StudyFolderOptions): Promise<{ dir: string; record: StudyRecord }> {
  const started = o.now ?? new Date();
  const dir = openStudyDir(o.outputs, study.name, started);
  const store = StageStore.at(o.outputs, () => {});
  const at = { started, backend: o.backend, workers: o.slots.workers, jobs: o.slots.jobs, finished: false, stopped: false };
  let states: Parameters<typeof studyRecord>[2] = new Map();
  let written = 0;
  const write = (force = false) => {
    if (!force && performance.now() - written < RECORD_EVERY_MS) return;
    writeStudyRecord(dir, studyRecord(study, plan, states, at));
    written = performance.now();
  };
  const live = runStudy(study, plan, {
    executor: o.executor,
    storedRecords: (key) => storedRecords(store, key),
    shouldStop: o.shouldStop,
    spec: (job, stopAfterEpoch) => {
      const trial = study.trials[job.trial];
      return { key: job.key, stage: job.stage, file: trial.file, sets: trial.sets, cwd: o.cwd, backend: o.backend, workers: o.slots.workers, loaderWorkers: o.slots.loaderWorkers, outputs: o.outputs, ...(stopAfterEpoch === undefined ? {} : { stopAfterEpoch }), ...(o.remote ? { remote: o.remote } : {}) };
    },
    events: {
      ...o.events,
      changed: () => write(),
    },
    onStates: (s) => {
      states = s;
      write(true);
    },
  });
  states = await live;
  Object.assign(at, { finished: true, stopped: o.shouldStop() });
  const record = studyRecord(study, plan, states, at);
  writeStudyRecord(dir, record);
  return { dir, record };
}

export interface StagesOnExecutorOptions {
  readonly executor: StageExecutor;
  /** The pipeline file as given and its overrides (the job processes resolve it again). */
  readonly file: string;
  readonly sets: readonly string[];
  readonly cwd: string;
  readonly backend: string;
  readonly workers: number;
  readonly loaderWorkers: number;
  readonly outputs: string;
  /** Only these stages and what they need (all when empty). */
  readonly stages: readonly string[];
  readonly events: Pick<StudyEvents, 'jobEpoch' | 'jobWarning' | 'jobResumed' | 'jobNote'>;
  readonly shouldStop: () => boolean;
  readonly remote?: RemoteSpec | null;
}

/**
 * `pipe run --queue`: a pipeline's stages as jobs on an executor, each when its needs are done,
 * into the store; the run folder is then made from the store as for any run whose stages are
 * cached. Returns the failures, as `stage: why`.
 */
export async function trainStagesOn(source: CheckedTrial['source'], plan: CheckedTrial['plan'], o: StagesOnExecutorOptions): Promise<string[]> {
  const p = source.pipeline;
  const wanted = new Set(stagesToRun(p, o.stages));
  const study: ResolvedStudy = { name: p.name, file: resolve(o.cwd, o.file), seed: p.seed, metric: { stage: [...wanted][0], name: 'train_loss', goal: 'min' }, prune: null, axes: [], trials: [{ name: p.name, file: resolve(o.cwd, o.file), sets: o.sets, values: {} }] };
  const store = StageStore.at(o.outputs, () => {});
  const planned = await planStudy(study, [{ trial: study.trials[0], source, plan }], { backend: o.backend, workers: o.workers, store });
  const jobs = { ...planned, jobs: planned.jobs.filter((j) => wanted.has(j.stage)) };
  const states = await runStudy(study, jobs, {
    executor: o.executor,
    storedRecords: (key) => storedRecords(store, key),
    shouldStop: o.shouldStop,
    spec: (job, stopAfterEpoch) => ({ key: job.key, stage: job.stage, file: study.file, sets: o.sets, cwd: o.cwd, backend: o.backend, workers: o.workers, loaderWorkers: o.loaderWorkers, outputs: o.outputs, ...(stopAfterEpoch === undefined ? {} : { stopAfterEpoch }), ...(o.remote ? { remote: o.remote } : {}) }),
    events: { ...o.events, jobStart: () => {}, jobEnd: () => {}, changed: () => {} },
  });
  return jobs.jobs.flatMap((j) => {
    const s = states.get(j.key)!;
    return s.status === 'failed' || s.status === 'blocked' ? [`${j.stage}: ${s.error}`] : [];
  });
}
