// What a run's page shows, as JSON: its listing (status, stages), and per stage the curves (loss,
// top-1, learning rate, throughput) and, for a classifier with validation data, its per-class
// results with example images. Sent whole on every change of the run's files: a page never
// merges partial updates, so it cannot drift from what is on disk.
import type { SplitName } from '../config/types.js';
import { perClassSpec, shortName } from '../report/class-chart.js';
import { bestAndWorst, classScores, examples, type ClassScore } from '../report/classes.js';
import { hasMetric } from '../report/curves.js';
import { listClassNames } from '../report/images.js';
import { readRunFolder, stageEpochs, type RunFolder, type RunStage } from '../report/run-folder.js';
import { readRun, type RunListing } from './runs.js';
import { curveChart, lrChart, throughputChart, type Chart } from './specs.js';

/** Example images per class, as the static report shows. */
export const EXAMPLES = 4;

export interface ClassRow {
  readonly name: string;
  readonly correct: number;
  readonly count: number;
  readonly examples: readonly { readonly src: string; readonly alt: string; readonly caption: string | null }[];
}

export interface StageView {
  readonly name: string;
  readonly kind: string;
  readonly epochs: number;
  readonly charts: readonly Chart[];
  readonly classes: { readonly chart: Chart; readonly source: string; readonly best: readonly ClassRow[]; readonly worst: readonly ClassRow[] } | null;
}

export interface RunView {
  /** Without its folder's absolute path: a page needs names only. */
  readonly listing: Omit<RunListing, 'dir'>;
  readonly backend: string | null;
  readonly stages: readonly StageView[];
}

export async function runView(dir: string): Promise<RunView> {
  const { dir: _dir, ...listing } = readRun(dir);
  const run = await readRunFolder(dir, listing.name);
  const stages: StageView[] = [];
  for (const [i, stage] of run.stages.entries()) {
    const epochs = stageEpochs(run, stage.name);
    const curve = [{ run: run.label, epochs }];
    const id = `s${i + 1}`;
    const kind = run.pipeline.stages[stage.name].kind;
    const charts: Chart[] = [];
    if (epochs.length) {
      charts.push(curveChart(`${id}-loss`, stage.name, 'loss', curve));
      if (hasMetric(curve, 'top1')) charts.push(curveChart(`${id}-top1`, stage.name, 'top1', curve));
      // An evaluate stage trains nothing: it has no learning rate and no throughput.
      if (kind !== 'evaluate') charts.push(lrChart(`${id}-lr`, stage.name, curve), throughputChart(`${id}-throughput`, stage.name, curve));
    }
    stages.push({ name: stage.name, kind, epochs: epochs.length, charts, classes: await classView(run, stage, id) });
  }
  return { listing, backend: run.backend, stages };
}

async function classView(run: RunFolder, stage: RunStage, id: string): Promise<StageView['classes']> {
  const spec = run.pipeline.stages[stage.name];
  const named = run.pipeline.report?.per_class ?? [];
  if (named.length ? !named.includes(stage.name) : spec.kind === 'reconstruct' || spec.val === undefined) return null;
  const split = !spec.val ? null : 'concat' in spec.val ? spec.val.concat[0].split : spec.val.split;
  const names = stage.predictions || !split ? null : await listClassNames(run.pipeline, split as SplitName);
  const scores = classScores(names, stageEpochs(run, stage.name), stage.predictions);
  if (!scores || !scores.some((c) => c.count > 0)) return null;
  const k = run.pipeline.report?.top_classes ?? 5;
  const { best, worst } = bestAndWorst(scores, k);
  const pred = stage.predictions;
  const row = (c: ClassScore, right: boolean): ClassRow => ({
    name: c.name,
    correct: c.correct,
    count: c.count,
    examples: !pred ? [] : examples(pred, c.id, right, EXAMPLES).map(({ item, predicted }) => ({
      src: `/api/runs/${encodeURIComponent(run.label)}/stages/${encodeURIComponent(stage.name)}/images/${item}.png`,
      alt: right ? shortName(c.name) : `${shortName(c.name)} taken for ${shortName(scores[predicted].name)}`,
      caption: right ? null : shortName(scores[predicted].name),
    })),
  });
  return {
    chart: { id: `${id}-classes`, spec: perClassSpec(`${stage.name}: correct predictions per class`, scores, k), controls: false },
    source: pred ? 'the final model on the validation images' : 'the last epoch\'s validation counts (no example images before the stage ends)',
    best: best.map((c) => row(c, true)),
    worst: worst.map((c) => row(c, false)),
  };
}
