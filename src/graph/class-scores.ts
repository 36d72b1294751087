// A classifier must give one score per class: with fewer, the labels at or above the count
// one-hot to zeros, add nothing to the loss and the stage "trains" on the rest (exit 0, wrong
// numbers). What is known from the pipeline alone is checked here, at validation; what only the
// data says (a folder's classes, an IDX file's labels) is checked by train/class-check.ts.
import type { Diagnostic } from '../errors.js';
import { formatPath, type Path } from '../config/paths.js';
import type { ResolvedPipeline, ResolvedStage } from '../config/types.js';
import type { Locate } from '../config/validate.js';
import type { ModelPlan } from './analyze.js';
import { fmt } from './shape-rules.js';

/** Stages whose loss reads class labels. */
export function readsLabels(stage: ResolvedStage): boolean {
  return stage.loss === 'cross_entropy';
}

/** The number of class scores a model gives, or a message saying why its output is not a score vector. */
export function classScores(model: ModelPlan): number | string {
  if (model.output.length !== 1) return `model '${model.name}' gives ${fmt(model.output)}, not a vector of class scores (end it with global_avgpool or flatten, then dense)`;
  return model.output[0];
}

export function tooFewScores(model: string, scores: number, classes: number): string {
  const unseen = scores === classes - 1 ? `label ${scores} would` : `labels ${scores} to ${classes - 1} would`;
  return `model '${model}' gives ${scores} class score${scores === 1 ? '' : 's'} but the data set has ${classes} classes: ${unseen} add nothing to the loss`;
}

/** Every labelled stage's model against the classes the pipeline itself declares (dataset.class_names). */
export function checkClassScores(p: ResolvedPipeline, models: Readonly<Record<string, ModelPlan>>, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, stage] of Object.entries(p.stages)) {
    const model = models[stage.model];
    if (!readsLabels(stage) || !model) continue;
    const at: Path = ['stages', name, 'model'];
    const scores = classScores(model);
    // A model with no score vector is refused when the stage runs (train/class-check.ts): tests
    // and `pipe show` use classify stages to look at any graph.
    if (typeof scores === 'number' && p.dataset.class_names !== null && scores < p.dataset.class_names.length) {
      out.push({ location: locate(at, 'value'), path: formatPath(at), message: tooFewScores(stage.model, scores, p.dataset.class_names.length), hint: 'dataset.class_names lists the classes; give the last dense layer as many units' });
    }
  }
  return out;
}
