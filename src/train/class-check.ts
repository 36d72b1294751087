// The data's side of graph/class-scores.ts: before any stage of a run trains, every stage that
// will train on labels gets a model with a score for every class its splits can label (a
// folder's classes, an IDX file's largest label + 1). It reads the listings prepareRun makes for
// the memory budget (nothing decoded), so a classifier fine-tuned after a pretraining stage is
// refused before the pretraining trains.
import type { ResolvedPipeline } from '../config/types.js';
import type { SplitListing } from '../data/readers/reader.js';
import { selectionSources, type SplitName } from '../data/spec.js';
import { InputError } from '../errors.js';
import type { GraphPlan } from '../graph/analyze.js';
import { classScores, readsLabels, tooFewScores } from '../graph/class-scores.js';

export function checkClassesBeforeTraining(p: ResolvedPipeline, plan: GraphPlan, stages: readonly string[], listings: ReadonlyMap<SplitName, SplitListing>): void {
  for (const name of stages) {
    const stage = p.stages[name];
    if (!readsLabels(stage)) continue;
    const scores = classScores(plan.models[stage.model]);
    if (typeof scores === 'string') throw new InputError([{ path: `stages.${name}.model`, message: `a ${stage.kind} stage needs class scores: ${scores}` }]);
    for (const [part, selection] of [['train', stage.train], ['val', stage.val]] as const) {
      for (const source of selection ? selectionSources(selection) : []) {
        const listing = listings.get(source.split);
        if (source.unlabelled || !listing) continue;
        const { classNames, labels } = listing;
        if (labels === null || classNames.length <= scores) continue;
        const beyond = labels.reduce((n, l) => n + (l >= scores ? 1 : 0), 0);
        const top = labels.reduce((m, l) => Math.max(m, l), -1);
        throw new InputError([
          {
            path: `stages.${name}.${part}`,
            message: `${tooFewScores(stage.model, scores, classNames.length)}; split '${source.split}' has ${beyond} image${beyond === 1 ? '' : 's'} labelled ${scores} or above (the largest label: ${top}, class '${classNames[top] ?? top}')`,
            hint: `give model '${stage.model}''s last layer ${classNames.length} units, or check the data set's labels`,
          },
        ]);
      }
    }
  }
}
