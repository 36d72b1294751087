// The compare page: two or more runs' curves overlaid, stage by stage, and `pipe diff` of the
// first run's pipeline against each other's. The diff is made from what the run folders
// recorded (pipeline.yaml as resolved, stages.json's keys, each stage's own result), not from
// the pipelines' files today nor from the stage store: reading the store may repair it, and
// `pipe serve` changes nothing.
import { join } from 'node:path';
import type { StageKey } from '../cache/key.js';
import { configChanges } from '../diff/config.js';
import { graphChanges } from '../diff/graph.js';
import type { PipelineDiff } from '../diff/pipeline-diff.js';
import { printDiff } from '../diff/print.js';
import { compareResults, type ResultDiff } from '../diff/results.js';
import { stageChanges } from '../diff/stages.js';
import { InputError } from '../errors.js';
import { analyzeGraphs, type GraphPlan } from '../graph/analyze.js';
import { hasMetric, type CurveMetric } from '../report/curves.js';
import { readStageFiles, stageEpochs, type RunFolder } from '../report/run-folder.js';
import { recordedKeys } from '../train/run-dir.js';
import { curveChart, lrChart, type Chart } from './specs.js';

const NO_RESULTS = '  no stage has results for both A and B in the stage store (run both with pipe run)';

/** Runs on one compare page: more make curves no one can tell apart. */
export const MAX_COMPARED = 8;

export interface CompareView {
  readonly runs: readonly string[];
  readonly stages: readonly { readonly name: string; readonly charts: readonly Chart[] }[];
  /** `pipe diff` of the first run against each other, as text. */
  readonly diffs: readonly { readonly a: string; readonly b: string; readonly text: string }[];
}

export function compareView(runs: readonly RunFolder[]): CompareView {
  const names = [...new Set(runs.flatMap((r) => r.stages.map((s) => s.name)))];
  const stages = names.map((stage, i) => {
    const curves = runs.filter((r) => r.stages.some((s) => s.name === stage)).map((r) => ({ run: r.label, epochs: stageEpochs(r, stage) }));
    const charts: Chart[] = [];
    for (const metric of ['loss', 'top1'] as CurveMetric[]) if (hasMetric(curves, metric)) charts.push(curveChart(`c${i + 1}-${metric}`, stage, metric, curves));
    if (curves.some((c) => c.epochs.some((e) => e.lr > 0))) charts.push(lrChart(`c${i + 1}-lr`, stage, curves));
    return { name: stage, charts };
  });
  const diffs = runs.slice(1).map((b) => ({ a: runs[0].label, b: b.label, text: diffText(runs[0], b) }));
  return { runs: runs.map((r) => r.label), stages, diffs };
}

/** `pipe diff` of two runs as printDiff prints it, with a line for any part the folders cannot give. */
export function diffText(a: RunFolder, b: RunFolder): string {
  const notes: string[] = [];
  const plan = (r: RunFolder): GraphPlan | null => {
    try {
      return analyzeGraphs(r.pipeline, () => undefined);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      notes.push(`${r.label}: its graphs cannot be planned by this pipe (${e.message}), so (b) leaves them out`);
      return null;
    }
  };
  const keys = (r: RunFolder): Record<string, StageKey> => {
    try {
      return recordedKeys(r.dir);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      notes.push(`${r.label}: ${e.message}, so (c) cannot compare its stages`);
      return {};
    }
  };
  const [pa, pb] = [plan(a), plan(b)];
  const [ka, kb] = [keys(a), keys(b)];
  const stages = stageChanges(ka, kb);
  const d: PipelineDiff = {
    a: { file: `${a.label}/pipeline.yaml`, name: a.pipeline.name },
    b: { file: `${b.label}/pipeline.yaml`, name: b.pipeline.name },
    config: configChanges(a.pipeline, b.pipeline),
    models: pa && pb ? graphChanges(pa, pb) : [],
    stages,
    results: stages.filter((s) => s.a !== null && s.b !== null).flatMap((s) => resultOf(s.stage, a, b, ka[s.stage], kb[s.stage])),
    same: stages.length > 0 && stages.every((s) => s.same),
  };
  // printDiff speaks of the stage store, where `pipe diff` looks; here the runs' folders were read.
  const text = printDiff(d).replace(NO_RESULTS, '  no stage finished in both runs: no results to compare');
  return text + notes.map((n) => `note: ${n}\n`).join('');
}

/** A stage's results from each run's own copy, when both finished it. */
function resultOf(stage: string, a: RunFolder, b: RunFolder, ka: StageKey, kb: StageKey): ResultDiff[] {
  const side = (r: RunFolder, k: StageKey) => {
    if (!r.stages.find((s) => s.name === stage)?.result) return null;
    const workers = (k.input as { workers?: number | null }).workers ?? null;
    return { at: { key: k.key, backend: k.input.backend, workers }, files: readStageFiles(join(r.dir, stage), `${r.label}/${stage}`) };
  };
  const [sa, sb] = [side(a, ka), side(b, kb)];
  return sa && sb ? [compareResults(stage, sa, sb)] : [];
}
