// The data's side of graph/class-scores.ts: once a stage's splits are loaded, its model must give
// a score for every class they can label (a folder's classes, an IDX file's largest label + 1).
// Checked before the first step, so nothing trains on labels the loss cannot see.
import type { ResolvedStage } from '../config/types.js';
import type { ImageSet } from '../data/load-split.js';
import { selectionSources } from '../data/spec.js';
import { InputError } from '../errors.js';
import type { ModelPlan } from '../graph/analyze.js';
import { classScores, readsLabels, tooFewScores } from '../graph/class-scores.js';

export function checkStageLabels(name: string, stage: ResolvedStage, model: ModelPlan, splits: ReadonlyMap<string, ImageSet>): void {
  if (!readsLabels(stage)) return;
  const scores = classScores(model);
  if (typeof scores === 'string') throw new InputError([{ path: `stages.${name}.model`, message: `a ${stage.kind} stage needs class scores: ${scores}` }]);
  for (const [part, selection] of [['train', stage.train], ['val', stage.val]] as const) {
    for (const source of selection ? selectionSources(selection) : []) {
      const set = splits.get(source.split);
      if (!set || source.unlabelled || !set.labels) continue;
      const classes = set.classNames.length;
      if (classes <= scores) continue;
      const beyond = set.labels.reduce((n, l) => n + (l >= scores ? 1 : 0), 0);
      const top = set.labels.reduce((m, l) => Math.max(m, l), -1);
      throw new InputError([
        {
          path: `stages.${name}.${part}`,
          message: `${tooFewScores(stage.model, scores, classes)}; split '${source.split}' has ${beyond} image${beyond === 1 ? '' : 's'} labelled ${scores} or above (the largest label: ${top}, class '${set.classNames[top] ?? top}')`,
          hint: `give model '${stage.model}''s last layer ${classes} units, or check the data set's labels`,
        },
      ]);
    }
  }
}
