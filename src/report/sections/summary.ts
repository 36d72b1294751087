// The report's Table 1 / Table 2: stage, model, epochs, parameters, best val top-1. With several
// runs, each stage's rows sit together, one per run, so the runs read side by side.
import { thousands } from '../../format.js';
import { analyzeGraphs } from '../../graph/analyze.js';
import type { SummaryRow } from '../../train/summary.js';
import type { Section } from '../document.js';
import { stageEpochs, type RunFolder } from '../run-folder.js';

export function summarySection(runs: readonly RunFolder[]): Section {
  const several = runs.length > 1;
  const rows: string[][] = [];
  for (const stage of stageNames(runs)) {
    for (const run of runs) {
      const row = summaryOf(run, stage);
      if (!row) continue;
      const best = row.bestValTop1 === null ? '-' : `${(100 * row.bestValTop1).toFixed(2)}%`;
      rows.push([stage, ...(several ? [run.label] : []), row.model, String(row.epochs), row.parameters === null ? '-' : thousands(row.parameters), best]);
    }
  }
  return {
    title: 'Results',
    level: 2,
    blocks: [
      {
        kind: 'table',
        columns: [{ title: 'stage' }, ...(several ? [{ title: 'run' }] : []), { title: 'model' }, { title: 'epochs', align: 'right' }, { title: 'parameters', align: 'right' }, { title: 'best val top-1', align: 'right' }],
        rows,
      },
    ],
  };
}

/** Every stage of every run, in the first run's order, then stages only later runs have. */
export function stageNames(runs: readonly RunFolder[]): string[] {
  return [...new Set(runs.flatMap((r) => r.stages.map((s) => s.name)))];
}

type Row = Pick<SummaryRow, 'model' | 'epochs' | 'bestValTop1'> & { parameters: number | null };

/** summary.json's row; for a run that never wrote one (it failed), the same from its epochs. */
function summaryOf(run: RunFolder, stage: string): Row | null {
  const written = run.summary?.find((r) => r.stage === stage);
  if (written) return written;
  const epochs = stageEpochs(run, stage);
  if (!epochs.length) return null;
  const model = run.pipeline.stages[stage].model;
  const tops = epochs.map((e) => e.val?.top1).filter((v): v is number => typeof v === 'number');
  return { model, epochs: epochs.length, parameters: parametersOf(run, model), bestValTop1: tops.length ? Math.max(...tops) : null };
}

function parametersOf(run: RunFolder, model: string): number | null {
  try {
    return analyzeGraphs(run.pipeline, () => undefined).models[model]?.trainable ?? null;
  } catch {
    // A run made by an older engine may use a graph this one no longer reads: no count then.
    return null;
  }
}
