// One stage job, where it runs: the trial's pipeline resolved again from its file and overrides,
// its key checked against the planner's, the stage trained into the store (its needs are there
// already) and every epoch told as it ends. A job that fails says why; it never takes others down.
import { hostname } from 'node:os';
import { initBackend, type BackendInfo } from '../backend/index.js';
import { resolvePipeline } from '../config/resolve.js';
import { StageStore } from '../cache/store.js';
import { openStageRemote, type StageRemote } from '../remote/index.js';
import { JobError } from '../errors.js';
import { analyzeGraphs } from '../graph/analyze.js';
import type { EpochRecord, StageResult } from '../train/loop.js';
import { prepareRun } from '../train/prepare.js';
import { stagesToRun, trainToStore } from '../train/run.js';
import type { JobEvent, JobOutcome, StageJobSpec } from './executor.js';
import { failureText } from './failure.js';
import { storedRecords } from './stored.js';

export async function runStageJob(job: StageJobSpec, emit: (e: Exclude<JobEvent, { type: 'end' }>) => void, shouldStop: () => boolean): Promise<JobOutcome> {
  const records: EpochRecord[] = [];
  let remote: StageRemote | undefined;
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
    remote = job.remote ? await openStageRemote(job.remote, process.env, { say: (message) => emit({ type: 'note', message }), warn }) : undefined;
    // What the stage needs was trained by other jobs, maybe on other machines: from the remote.
    for (const need of stagesToRun(pipeline, [job.stage]).filter((s) => s !== job.stage)) {
      const needKey = prepared.keys[need].key;
      if (store.complete(needKey) || (remote && (await remote.pullEntry(store, needKey, need)))) continue;
      throw new JobError(`stage '${job.stage}' needs stage '${need}' (key ${needKey.slice(0, 12)}), which is neither in this machine's store nor on ${remote ? 'the remote' : 'a remote'}`, remote ? 'its job may have failed: see the study' : 'workers without a shared outputs folder need a shared --remote');
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
      ...(remote ? { remote } : {}),
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
  } finally {
    remote?.close();
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
