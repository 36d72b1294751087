// What runs a study's stage jobs. The study runner hands an executor one job at a time and gets
// the job's epochs as they end and its outcome; where the job runs (a child process here, a
// worker on another machine through a queue) is the executor's business alone.
import type { RemoteSpec } from '../remote/url.js';
import type { EpochRecord } from '../train/loop.js';

/** Everything a process needs to train one stage of one trial, as plain JSON. */
export interface StageJobSpec {
  /** The key the planner computed: the process recomputes it and refuses to train another. */
  readonly key: string;
  readonly stage: string;
  /** The trial's pipeline file (absolute) and its overrides: `pipe run FILE --set ...`. */
  readonly file: string;
  readonly sets: readonly string[];
  /** Where relative paths of the pipeline resolve. */
  readonly cwd: string;
  /** The backend kind the keys were made for. */
  readonly backend: string;
  readonly workers: number;
  readonly loaderWorkers: number;
  /** outputs/ holding the stage store. */
  readonly outputs: string;
  /** Stop, checkpointed, once this many epochs are done (a pruning rung); absent: train to the end. */
  readonly stopAfterEpoch?: number;
  /** The shared store (`--remote`): complete stages pulled, checkpoints and results pushed. */
  readonly remote?: RemoteSpec;
}

export type JobStatus =
  /** Trained to its end and sealed in the store. */
  | 'done'
  /** Found complete in the store: nothing trained. */
  | 'cached'
  /** Stopped at `stopAfterEpoch`, checkpointed. */
  | 'paused'
  /** Stopped by a signal, checkpointed: a rerun continues it. */
  | 'stopped'
  | 'failed';

export interface JobOutcome {
  readonly status: JobStatus;
  /** Every epoch of the stage so far (a resumed checkpoint's included). */
  readonly records: readonly EpochRecord[];
  /** Why it failed, as `pipe run` would have said it. */
  readonly error: string | null;
}

export type JobEvent =
  | { readonly type: 'started'; readonly pid: number; readonly host: string }
  | { readonly type: 'resumed'; readonly epoch: number; readonly step: number }
  | { readonly type: 'epoch'; readonly record: EpochRecord }
  | { readonly type: 'warning'; readonly message: string }
  /** Said for the user's information (a stage pulled from or pushed to the remote). */
  | { readonly type: 'note'; readonly message: string }
  | { readonly type: 'end'; readonly outcome: JobOutcome };

export interface StageExecutor {
  /** How many jobs it runs at once; the runner never hands it more. */
  readonly slots: number;
  /** Runs one job to its outcome; never rejects for a failure of the job itself. */
  run(job: StageJobSpec, onEvent: (e: Exclude<JobEvent, { type: 'end' }>) => void): Promise<JobOutcome>;
  /** Asks every running job to checkpoint and stop (their outcomes say 'stopped'). */
  stop(): void;
}
