// Successive halving over one stage's epochs, synchronously by rungs: every live job of the
// pruned stage trains to the rung (min_epochs, then x eta, ...), is checkpointed there, and when
// the last of them has reached it, only the best 1/eta go on. A job that goes on continues from
// its checkpoint, which resumes exactly: its weights end as if it had never been paused.
import type { EpochRecord } from '../train/loop.js';
import { bestValue } from './metric.js';
import type { StudyJob } from './plan.js';
import type { PruneSpec, StudyMetric } from './types.js';

export type PruneAnswer =
  /** Train to this many epochs now (the job's own epochs: to its end). */
  | { readonly train: number }
  /** Paused at a rung that others have not reached yet. */
  | { readonly wait: true }
  /** Cut at a rung: trains no more. */
  | { readonly pruned: number };

export class SuccessiveHalving {
  /** The rung every live job trains to now. */
  private rung: number;
  private readonly live: Set<string>;
  private readonly cut = new Map<string, number>();
  /** Epochs each job has done (as its last outcome said). */
  private readonly done = new Map<string, number>();
  private readonly records = new Map<string, readonly EpochRecord[]>();

  constructor(
    private readonly spec: PruneSpec,
    private readonly metric: StudyMetric,
    private readonly jobs: readonly StudyJob[],
  ) {
    this.rung = spec.min_epochs;
    this.live = new Set(jobs.filter((j) => j.stage === spec.stage).map((j) => j.key));
  }

  covers(key: string): boolean {
    return this.live.has(key) || this.cut.has(key);
  }

  /** What the job should do now. */
  next(key: string): PruneAnswer {
    const cutAt = this.cut.get(key);
    if (cutAt !== undefined) return { pruned: cutAt };
    const epochs = this.epochsOf(key);
    const target = this.lastRung() ? epochs : Math.min(this.rung, epochs);
    return (this.done.get(key) ?? 0) >= target && target < epochs ? { wait: true } : { train: target };
  }

  /** A job of the stage paused at a rung, finished (its end, or early stopping), or failed
   *  (out of the ranking). */
  reached(key: string, records: readonly EpochRecord[], how: 'paused' | 'finished' | 'failed'): void {
    if (how === 'failed') this.live.delete(key);
    this.done.set(key, how === 'finished' ? Infinity : records.length);
    this.records.set(key, records);
    while (!this.lastRung() && [...this.live].every((k) => (this.done.get(k) ?? 0) >= Math.min(this.rung, this.epochsOf(k)))) this.closeRung();
  }

  /** The epoch a cut job was cut at, for its trials' metric. */
  cutAt(key: string): number | undefined {
    return this.cut.get(key);
  }

  private closeRung(): void {
    const ranked = [...this.live].map((key) => ({ key, value: bestValue(this.records.get(key) ?? [], this.metric.name, this.metric.goal, this.rung) }));
    // Best first; a job without the metric ranks last; ties keep the plan's order.
    const order = (v: number | null) => (v === null ? Infinity : this.metric.goal === 'max' ? -v : v);
    ranked.sort((a, b) => order(a.value) - order(b.value));
    const keep = Math.max(1, Math.ceil(ranked.length / this.spec.eta));
    for (const { key } of ranked.slice(keep)) {
      this.live.delete(key);
      this.cut.set(key, this.rung);
    }
    this.rung *= this.spec.eta;
  }

  /** Past the last rung, every live job trains to its end. */
  private lastRung(): boolean {
    return [...this.live].every((k) => this.rung >= this.epochsOf(k));
  }

  private epochsOf(key: string): number {
    return this.jobs.find((j) => j.key === key)?.epochs ?? 0;
  }
}
