// Per classifier: correct predictions per class, the best and worst classes by name with
// example validation images, and the most confused class pairs (the report's per-class analysis).
import type { SplitName } from '../../config/types.js';
import type { ImageSet } from '../../data/load-split.js';
import { perClassSpec, shortName } from '../class-chart.js';
import { renderSvg } from '../charts.js';
import { bestAndWorst, classScores, confusedPairs, examples, type ClassScore } from '../classes.js';
import type { Block, Cell, ImageRef, Section } from '../document.js';
import { listClassNames, writeThumbnail, type SplitImages } from '../images.js';
import { stageEpochs, type RunFolder, type RunStage, type StagePredictions } from '../run-folder.js';

/** Example images per class, and confused pairs listed. */
const EXAMPLES = 4;
const CONFUSIONS = 10;

export interface ClassContext {
  readonly dir: string;
  readonly images: SplitImages;
}

export async function classSections(runs: readonly RunFolder[], ctx: ClassContext): Promise<Section[]> {
  const sections: Section[] = [];
  for (const [r, run] of runs.entries()) {
    for (const stage of analysedStages(run)) {
      const title = runs.length > 1 ? `${stage.name} (${run.label})` : stage.name;
      sections.push({ title: `Per class: ${title}`, level: 3, blocks: await stageBlocks(run, stage, `r${r + 1}-${stage.name}`, ctx) });
    }
  }
  return sections.length ? [{ title: 'Per-class results', level: 2, blocks: [] }, ...sections] : [];
}

/** The stages `report.per_class` names; when it names none, every stage with validation data. */
function analysedStages(run: RunFolder): RunStage[] {
  const named = run.pipeline.report?.per_class ?? [];
  return run.stages.filter((s) => (named.length ? named.includes(s.name) : run.pipeline.stages[s.name].kind !== 'reconstruct' && run.pipeline.stages[s.name].val !== undefined));
}

async function stageBlocks(run: RunFolder, stage: RunStage, id: string, ctx: ClassContext): Promise<Block[]> {
  const split = valSplit(run, stage.name);
  const names = stage.predictions || !split ? null : await listClassNames(run.pipeline, split);
  const scores = classScores(names, stageEpochs(run, stage.name), stage.predictions);
  if (!scores) return [{ kind: 'text', text: 'No per-class counts: the stage has not finished an epoch with labelled validation data.' }];
  const k = run.pipeline.report?.top_classes ?? 5;
  const source = stage.predictions ? 'the final model on the validation images' : 'the last epoch\'s validation counts';
  const blocks: Block[] = [{ kind: 'chart', id: `${id}-classes`, caption: `${stage.name}: correct predictions per class, best to worst (${source}).`, svg: await renderSvg(perClassSpec(`${stage.name}: correct predictions per class`, scores, k), `${id}-classes`) }];
  const { best, worst } = bestAndWorst(scores, k);
  const pred = stage.predictions;
  const set = pred ? sameItems(pred, await ctx.images.get(run.pipeline, pred.split as SplitName, run.dir)) : null;
  const thumbs = async (c: ClassScore, right: boolean): Promise<Cell> => {
    if (!pred || !set || 'unavailable' in set) return '-';
    return { images: await exampleImages(pred, set, c, right, `${id}-c${c.id}`, ctx.dir, scores) };
  };
  const table = async (caption: string, classes: readonly ClassScore[], right: boolean): Promise<Block> => ({
    kind: 'table',
    caption,
    columns: [{ title: 'class' }, { title: 'correct', align: 'right' }, { title: 'accuracy', align: 'right' }, { title: right ? 'examples, predicted right' : 'examples, each under what it was taken for' }],
    rows: await Promise.all(classes.map(async (c) => [c.name, `${c.correct} / ${c.count}`, `${(100 * c.accuracy).toFixed(1)}%`, await thumbs(c, right)])),
  });
  blocks.push(await table(`The ${best.length} best classes`, best, true), await table(`The ${worst.length} worst classes`, worst, false));
  if (!pred) blocks.push({ kind: 'text', text: `No ${stage.name}/predictions.json in ${run.label} (a run made before pipe wrote them): no example images or confusions.` });
  else if (set && 'unavailable' in set) blocks.push({ kind: 'text', text: `No example images: ${set.unavailable}.` });
  if (pred) blocks.push(confusionTable(pred, scores));
  return blocks;
}

function valSplit(run: RunFolder, stage: string): SplitName | null {
  const val = run.pipeline.stages[stage].val;
  return !val ? null : 'concat' in val ? val.concat[0].split : val.split;
}

/** The split as the run saw it: a data set changed since (images added or relabelled) would show wrong pictures. */
function sameItems(pred: StagePredictions, set: ImageSet | { unavailable: string }): ImageSet | { unavailable: string } {
  if ('unavailable' in set) return set;
  const moved = pred.items.findIndex((item, i) => item >= set.count || (set.labels !== null && set.labels[item] !== pred.labels[i]));
  return moved < 0 ? set : { unavailable: `image ${pred.items[moved]} of the ${pred.split} split is not the one the run classified (the data set changed since)` };
}

async function exampleImages(pred: StagePredictions, set: ImageSet, c: ClassScore, right: boolean, prefix: string, dir: string, scores: readonly ClassScore[]): Promise<ImageRef[]> {
  const out: ImageRef[] = [];
  for (const { item, predicted } of examples(pred, c.id, right, EXAMPLES)) {
    const file = `images/${prefix}-${item}.png`;
    await writeThumbnail(set, item, `${dir}/${file}`);
    const as = shortName(scores[predicted].name);
    out.push({ file, alt: right ? shortName(c.name) : `${shortName(c.name)} taken for ${as}`, ...(right ? {} : { caption: as }) });
  }
  return out;
}

function confusionTable(pred: StagePredictions, scores: readonly ClassScore[]): Block {
  const pairs = confusedPairs(pred, scores, CONFUSIONS);
  if (!pairs.length) return { kind: 'text', text: 'No confusions: every validation image was classified right.' };
  return {
    kind: 'table',
    caption: `The ${pairs.length} most confused class pairs (images of a class predicted as another)`,
    columns: [{ title: 'class' }, { title: 'predicted as' }, { title: 'images', align: 'right' }, { title: 'share of the class', align: 'right' }],
    rows: pairs.map((p) => [p.label.name, p.predicted.name, String(p.count), `${(100 * p.share).toFixed(1)}%`]),
  };
}
