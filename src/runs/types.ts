// What `pipe runs` and `pipe serve` know of a run folder (outputs/runs/<pipeline>-<time>/): one
// RunListing per folder, read from its run.json, metrics.jsonl and summary.json.
import type { Provenance } from '../train/provenance.js';

/** `running` until the run ends `done`, `failed` or `stopped` (Ctrl-C, SIGTERM, or killed: see
 *  status.ts); `unreadable`: a damaged or foreign folder (reason says why). */
export type RunState = 'running' | 'stopped' | 'done' | 'failed';

/** The metric a stage is judged by, from what it recorded: val top-1 when it measured one (a
 *  classifier with validation data), else val loss (an autoencoder), else the train metrics. */
export type StageMetric = 'val_top1' | 'val_loss' | 'train_top1' | 'train_loss' | 'none';

export interface StageBest {
  readonly metric: StageMetric;
  /** Higher is better for top-1, lower for a loss. */
  readonly goal: 'max' | 'min';
  /** The best value over the stage's epochs (top-1 in [0, 1]); null when none was recorded. */
  readonly best: number | null;
  /** Epochs recorded (done) so far. */
  readonly epochs: number;
  /** Epochs the stage was to train; null when unknown (no epoch recorded). */
  readonly planned: number | null;
}

export interface RunListing {
  /** The run folder's path, as listRuns/readRun were given it. */
  readonly dir: string;
  /** The folder's name, e.g. `demo-20260301-101500`: how `pipe runs` names the run. */
  readonly name: string;
  /** The pipeline's name (for an unreadable folder: the folder name without its time). */
  readonly pipeline: string;
  /** ISO time the run started (or was last resumed); for an unreadable folder, the folder's
   *  modification time. */
  readonly started: string;
  readonly status: RunState | 'unreadable';
  /** Why it failed, stopped or is unreadable. */
  readonly reason?: string;
  /** ISO time it ended (done, failed or stopped by itself; absent when killed). */
  readonly ended?: string;
  /** Of a running run (or a killed one): its process and machine. */
  readonly pid?: number;
  readonly host?: string;
  /** Each stage of the run, in run order, with its best metric. */
  readonly stages: Readonly<Record<string, StageBest>>;
  /** The backend it trained on (absent when every stage came from the cache, or unreadable). */
  readonly backend?: string;
  /** Where it came from; absent for runs of a pipe older than the record. */
  readonly provenance?: Provenance;
  /** What was wrong but did not stop the listing (a damaged line of metrics.jsonl...). */
  readonly warnings?: readonly string[];
}
