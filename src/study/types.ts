// A study: many trials, each an ordinary pipeline plus `--set` overrides. The study file as
// written is read by study/load.ts; everything after it (planning, running, the report) takes
// only these resolved, readonly types.
import type { ResolvedSource } from '../config/resolve.js';
import type { GraphPlan } from '../graph/analyze.js';

/** What a study compares: one stage's epoch metric, its best value over the stage's epochs. */
export interface StudyMetric {
  /** The stage whose epochs are read, e.g. `finetune`. */
  readonly stage: string;
  /** Pipelines whose stage of that role has another name: pipeline name -> its stage (Table 1:
   *  densenet trains in two stages, its result is `cycle2`'s, the others' is `train`'s). Absent:
   *  `stage` in every pipeline. Read it with metricStage() (study/load.ts). */
  readonly stages?: Readonly<Record<string, string>>;
  /** An epoch metric: val_top1, val_top5, val_loss, train_top1, train_loss. */
  readonly name: 'val_top1' | 'val_top5' | 'val_loss' | 'train_top1' | 'train_loss';
  /** Higher is better (max) or lower is better (min). */
  readonly goal: 'max' | 'min';
}

/** Successive halving over one stage's epochs: at each rung (min_epochs, min_epochs*eta, ...)
 *  only the best 1/eta of the trials still running go on. */
export interface PruneSpec {
  readonly type: 'successive_halving';
  /** The stage pruned at rungs (the metric's stage). */
  readonly stage: string;
  /** Epochs trained before the first rung. */
  readonly min_epochs: number;
  /** Keep the best 1/eta at each rung (>= 2). */
  readonly eta: number;
}

export interface StudyTrial {
  /** Stable and readable: the pipeline's name and the trial's values,
   *  e.g. `task2_ae[finetune.lr=0.001, seed=1]`; unique within the study. */
  readonly name: string;
  /** The pipeline file, absolute. */
  readonly file: string;
  /** The `--set PATH=VALUE` overrides that make this trial from the file, in order (the study's
   *  command-line sets included): the trial is exactly `pipe run FILE --set ...`. */
  readonly sets: readonly string[];
  /** The swept values by their full path (`stages.finetune.optimizer.lr`), and `seed` for a
   *  replicate; `pipeline` (the file as written in the study) when the study lists several. A
   *  list or map value is held as its compact JSON (`[1,7]`). */
  readonly values: Readonly<Record<string, string | number | boolean | null>>;
}

export interface ResolvedStudy {
  readonly name: string;
  /** The study file, absolute. */
  readonly file: string;
  /** Seeds the `random:` draws: the same file gives the same trials. */
  readonly seed: number;
  readonly metric: StudyMetric;
  readonly prune: PruneSpec | null;
  /** The swept paths, in the order trials name them. */
  readonly axes: readonly string[];
  readonly trials: readonly StudyTrial[];
}

/** A trial whose pipeline resolved and whose graphs checked. */
export interface CheckedTrial {
  readonly trial: StudyTrial;
  readonly source: ResolvedSource;
  readonly plan: GraphPlan;
}
