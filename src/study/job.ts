// One stage job, where it runs: the trial's pipeline resolved again from its file and overrides,
// its key checked against the planner's, the stage trained into the store (its needs are there
// already) and every epoch told as it ends. A job that fails says why; it never takes others down.
import { hostname } from 'node:os';
import { initBackend, type BackendInfo } from '../backend/index.js';
import { resolvePipeline } from '../config/resolve.js';
import { StageStore } from '../cache/store.js';
import { JobError } from '../errors.js';
import { analyzeGraphs } from '../graph/analyze.js';
import type { EpochRecord, StageResult } from '../train/loop.js';
import { prepareRun } from '../train/prepare.js';
import { trainToStore } from '../train/run.js';
import type { JobEvent, JobOutcome, StageJobSpec } from './executor.js';
import { failureText } from './failure.js';
import { storedRecords } from './stored.js';

export async function runStageJob(job: StageJobSpec, emit: (e: Exclude<JobEvent, { type: 'end' }>) => void, shouldStop: () => boolean): Promise<JobOutcome> {
  const records: EpochRecord[] = [];
  try {
    emit({ type: 'started', pid: process.pid, host: hostname() });
    const { pipeline, locate } = await resolvePipeline(job.file, { cwd: job.cwd, sets: job.sets });
    const plan = analyzeGraphs(pipeline, locate);
    const warn = (message: string) => emit({ type: 'warning', message });
    const store = StageStore.at(job.outputs, warn);
    const prepared = await prepareRun(pipeline, plan, { backend: job.backend, workers: job.workers, store, stages: [job.stage] });
    const key = prepared.keys[job.stage]?.key;
    if (key !== job.key) {
      throw new JobError(`stage '${job.stage}' of ${job.file} has key ${String(key).slice(0, 12)} here, not the planned ${job.key.slice(0, 12)}`, 'a file the pipeline reads (the pipeline, its data) changed since the study was planned, or this machine has another backend; plan the study again');
    }
    let started: BackendInfo | undefined;
    const result: StageResult | null = await trainToStore(pipeline, plan, job.stage, {
      tf: async () => (started ??= await initBackend({ backend: job.backend })).tf,
      outputs: job.outputs,
      store,
      keys: prepared.keys,
      workers: job.workers,
      loaderWorkers: job.loaderWorkers,
      wait: true,
      warn,
      shouldStop,
      stopAfterEpoch: job.stopAfterEpoch,
      events: {
        stageStart: () => {},
        stageEnd: () => {},
        stageResumed: (_, from) => emit({ type: 'resumed', epoch: from.epoch, step: from.step }),
        epoch: (record) => {
          records.push(record);
          emit({ type: 'epoch', record });
        },
      },
    });
    if (result === null) return { status: 'cached', records: storedRecords(store, job.key), error: null };
    if (result.stopped !== 'interrupted') return { status: 'done', records: result.epochs, error: null };
    return { status: shouldStop() ? 'stopped' : 'paused', records: result.epochs, error: null };
  } catch (e) {
    return { status: 'failed', records, error: jobFailure(e) };
  }
}

/** An expected failure as pipe run says it; anything else is a bug, kept with its stack, and
 *  still ends only this job. */
function jobFailure(e: unknown): string {
  try {
    return failureText(e);
  } catch {
    return `internal error, a bug in pipe: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
}
