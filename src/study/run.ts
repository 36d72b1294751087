// Runs a study's plan: every distinct stage once, each when the jobs it needs are complete, up to
// the executor's slots at once. A job that fails ends only itself and what needs it; pruning (if
// the study has it) decides how far each job of the pruned stage trains. Stopping (Ctrl-C) asks
// the executor to checkpoint every running job; the next run of the study continues them.
import type { EpochRecord } from '../train/loop.js';
import type { JobOutcome, StageExecutor, StageJobSpec } from './executor.js';
import type { StudyJob, StudyPlan } from './plan.js';
import { SuccessiveHalving } from './prune.js';
import type { ResolvedStudy } from './types.js';

export type StageStatus = JobOutcome['status'] | 'pending' | 'running' | 'blocked' | 'pruned';

export interface JobState {
  status: StageStatus;
  /** The stage's epochs so far. */
  records: readonly EpochRecord[];
  error: string | null;
  /** Wall time it ran in this study run, from its process's start (a queue's wait left out). */
  seconds: number;
  /** Pruning cut it after this many epochs. */
  prunedAt: number | null;
}

export interface StudyEvents {
  jobStart(job: StudyJob, stopAfterEpoch: number | undefined): void;
  jobEpoch(job: StudyJob, record: EpochRecord): void;
  jobWarning(job: StudyJob, message: string): void;
  /** What a job says for information (a stage pulled from or pushed to the remote). */
  jobNote?(job: StudyJob, message: string): void;
  /** The job continues from a checkpoint: `epoch` epochs and `step` steps of the next done. */
  jobResumed?(job: StudyJob, epoch: number, step: number): void;
  jobEnd(job: StudyJob, state: Readonly<JobState>): void;
  /** Any state changed (the study record is written again). */
  changed(): void;
}

export interface StudyRunOptions {
  readonly executor: StageExecutor;
  /** The job as the executor gets it (backend, workers, outputs added). */
  readonly spec: (job: StudyJob, stopAfterEpoch: number | undefined) => StageJobSpec;
  /** The epochs of a job complete in the store. */
  readonly storedRecords: (key: string) => EpochRecord[];
  readonly events: StudyEvents;
  readonly shouldStop: () => boolean;
  /** Gets the live job states once, before any job starts (the study record reads them). */
  readonly onStates?: (states: ReadonlyMap<string, Readonly<JobState>>) => void;
}

const finished = (s: StageStatus) => s === 'done' || s === 'cached';
const hopeless = (s: StageStatus) => s === 'failed' || s === 'blocked' || s === 'pruned';

export async function runStudy(study: ResolvedStudy, plan: StudyPlan, o: StudyRunOptions): Promise<ReadonlyMap<string, Readonly<JobState>>> {
  const states = new Map<string, JobState>(plan.jobs.map((j) => [j.key, { status: j.cached ? 'cached' : 'pending', records: j.cached ? o.storedRecords(j.key) : [], error: null, seconds: 0, prunedAt: null }]));
  const state = (key: string) => states.get(key)!;
  o.onStates?.(states);
  const pruner = study.prune ? new SuccessiveHalving(study.prune, study.metric, plan.jobs) : null;
  for (const job of plan.jobs) if (job.cached && pruner?.covers(job.key)) pruner.reached(job.key, state(job.key).records, 'finished');
  const running = new Map<string, Promise<void>>();

  const launch = async (job: StudyJob, stopAfterEpoch: number | undefined) => {
    const st = state(job.key);
    st.status = 'running';
    o.events.jobStart(job, stopAfterEpoch);
    o.events.changed();
    // From the job's own start: on a queue, the wait for a free worker is not the job's time.
    let started = performance.now();
    let outcome: JobOutcome;
    try {
      outcome = await o.executor.run(o.spec(job, stopAfterEpoch), (e) => {
        if (e.type === 'started') started = performance.now();
        else if (e.type === 'epoch') {
          st.records = [...st.records.filter((r) => r.epoch < e.record.epoch), e.record];
          o.events.jobEpoch(job, e.record);
          o.events.changed();
        } else if (e.type === 'warning') o.events.jobWarning(job, e.message);
        else if (e.type === 'resumed') o.events.jobResumed?.(job, e.epoch, e.step);
        else if (e.type === 'note') o.events.jobNote?.(job, e.message);
      });
    } catch (e) {
      outcome = { status: 'failed', records: [], error: `the executor could not run the job: ${(e as Error).message}` };
    }
    running.delete(job.key);
    st.seconds += (performance.now() - started) / 1000;
    if (outcome.records.length > 0) st.records = outcome.records;
    st.error = outcome.error;
    st.status = outcome.status;
    if (pruner?.covers(job.key)) pruner.reached(job.key, st.records, outcome.status === 'paused' ? 'paused' : finished(outcome.status) ? 'finished' : 'failed');
    o.events.jobEnd(job, st);
    o.events.changed();
  };

  for (;;) {
    settleBlocked();
    if (!o.shouldStop()) {
      for (const job of plan.jobs) {
        if (running.size >= o.executor.slots) break;
        const st = state(job.key);
        if ((st.status !== 'pending' && st.status !== 'paused') || !job.needs.every((k) => finished(state(k).status))) continue;
        let stopAfterEpoch: number | undefined;
        if (pruner?.covers(job.key)) {
          const answer = pruner.next(job.key);
          if ('wait' in answer) continue;
          if ('pruned' in answer) {
            Object.assign(st, { status: 'pruned', prunedAt: answer.pruned });
            o.events.jobEnd(job, st);
            o.events.changed();
            continue;
          }
          if (job.epochs !== null && answer.train < job.epochs) stopAfterEpoch = answer.train;
        }
        running.set(job.key, launch(job, stopAfterEpoch));
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  // What never ran: stopped with the study, or left waiting on a job that failed or was cut.
  for (const job of plan.jobs) {
    const st = state(job.key);
    if (st.status === 'pending' || st.status === 'paused') {
      st.status = 'stopped';
      st.error = null;
    }
  }
  o.events.changed();
  return states;

  /** Jobs that can never run (a need failed, was blocked or was cut) say so, at once. */
  function settleBlocked(): void {
    let moved = true;
    while (moved) {
      moved = false;
      for (const job of plan.jobs) {
        const st = state(job.key);
        if (st.status !== 'pending' && st.status !== 'paused') continue;
        const need = plan.jobs.find((j) => job.needs.includes(j.key) && hopeless(state(j.key).status));
        if (!need) continue;
        const cut = state(need.key).status === 'pruned';
        Object.assign(st, { status: cut ? 'pruned' : 'blocked', error: cut ? null : `not run: it needs stage '${need.stage}', which ${state(need.key).status === 'failed' ? 'failed' : 'could not run'}` });
        if (pruner?.covers(job.key)) pruner.reached(job.key, st.records, 'failed');
        o.events.jobEnd(job, st);
        moved = true;
      }
    }
  }
}
