// A study's plan: every trial's stage keys, and the distinct stages behind them. Two trials whose
// stages have the same key (the same pretraining under six fine-tuning lrs) share one job, which
// runs once; a stage already complete in the store is not a job to run at all. Loads no tfjs.
import type { ResolvedPipeline, SplitName } from '../config/types.js';
import type { StageStore } from '../cache/store.js';
import { storeHashCache, usedSplits } from '../cache/fingerprint.js';
import type { HashCacheOptions } from '../data/file-hashes.js';
import { canonicalJson } from '../data/cache.js';
import { prepareRun, readSplits, type SplitsRead } from '../train/prepare.js';
import { failureText } from './failure.js';
import { metricStage } from './load.js';
import type { CheckedTrial, ResolvedStudy } from './types.js';

/** One distinct stage of the study: trained once, whichever trials need it. */
export interface StudyJob {
  /** The stage's content key: the job's identity, here and on any other executor. */
  readonly key: string;
  readonly stage: string;
  /** The trial whose pipeline the job runs (the first that has the stage). */
  readonly trial: number;
  /** Every trial that has this stage, the first included. */
  readonly trials: readonly number[];
  /** Keys of the jobs that must be complete first. */
  readonly needs: readonly string[];
  /** Complete in the store when the plan was made. */
  readonly cached: boolean;
  readonly model: string;
  /** Trainable parameters of the stage's model. */
  readonly parameters: number;
  /** The stage's epochs (null: an evaluate stage). */
  readonly epochs: number | null;
}

export interface PlannedTrial {
  /** Stage -> key, in run order; null when the trial cannot run (see error). */
  readonly keys: Readonly<Record<string, string>> | null;
  /** Why the trial cannot run (a check before training refused it): it alone is left out. */
  readonly error: string | null;
  /** The stage whose epochs give the trial's metric (its pipeline's, see metric.stages). */
  readonly metricStage: string;
}

export interface StudyPlan {
  /** Distinct stages, each after the jobs it needs. */
  readonly jobs: readonly StudyJob[];
  readonly trials: readonly PlannedTrial[];
}

export interface PlanOptions {
  readonly backend: string;
  /** Training workers per job: part of a key where the model's result depends on them. */
  readonly workers: number;
  readonly store: StageStore;
}

export async function planStudy(study: ResolvedStudy, trials: readonly CheckedTrial[], o: PlanOptions): Promise<StudyPlan> {
  const jobs = new Map<string, StudyJob & { trials: number[] }>();
  const planned: PlannedTrial[] = [];
  const splitsRead = memoSplits(storeHashCache(o.store));
  let firstFailure: unknown;
  for (const [index, { source, plan }] of trials.entries()) {
    const p = source.pipeline;
    const metric = metricStage(study.metric, p.name);
    let keys: Record<string, string>;
    try {
      const prepared = await prepareRun(p, plan, { backend: o.backend, workers: o.workers, store: o.store, stages: [], data: await splitsRead(p) });
      keys = Object.fromEntries(Object.entries(prepared.keys).map(([stage, k]) => [stage, k.key]));
    } catch (e) {
      planned.push({ keys: null, error: failureText(e), metricStage: metric });
      firstFailure ??= e;
      continue;
    }
    planned.push({ keys, error: null, metricStage: metric });
    for (const [stage, key] of Object.entries(keys)) {
      const known = jobs.get(key);
      if (known) {
        if (!known.trials.includes(index)) known.trials.push(index);
        continue;
      }
      const s = p.stages[stage];
      const needs = [...new Set([...s.needs, ...Object.values(s.init)])].map((n) => keys[n]);
      jobs.set(key, {
        key,
        stage,
        trial: index,
        trials: [index],
        needs,
        cached: o.store.complete(key) !== null,
        model: s.model,
        parameters: plan.models[s.model].trainable,
        epochs: s.kind === 'evaluate' ? null : (s.epochs ?? null),
      });
    }
  }
  // Every trial refused for the same reason (the data set is missing): the study's input is bad,
  // said once, not a trial's failure.
  if (planned.length > 0 && planned.every((t) => t.error !== null && t.error === planned[0].error)) throw firstFailure;
  // Keys come in each trial's run order, and a need's key is made before the stage's: insertion
  // order is already a topological order.
  return { jobs: [...jobs.values()], trials: planned };
}

/** Lists and fingerprints each data set's splits once for every trial that reads them (files
 *  hashed through the store's stat cache, as `pipe run` does). */
function memoSplits(hashes: HashCacheOptions): (p: ResolvedPipeline) => Promise<SplitsRead> {
  const seen = new Map<string, Promise<SplitsRead>>();
  return (p) => {
    const id = canonicalJson({ dataset: p.dataset, splits: usedSplits(p) satisfies SplitName[] });
    let read = seen.get(id);
    if (!read) seen.set(id, (read = readSplits(p, hashes)));
    return read;
  };
}
