// A stage's best metric, chosen from what it recorded: val top-1 when it measured one (a
// classifier with validation data), else val loss (an autoencoder, or a classifier whose val
// split has no labels), else the train metrics in the same order. The same metric for every run
// of a stage, whatever its early_stopping monitors, so the runs' columns compare.
import type { EpochRecord } from '../train/loop.js';
import type { SummaryRow } from '../train/summary.js';
import type { StageBest, StageMetric } from './types.js';

const ORDER: readonly { metric: Exclude<StageMetric, 'none'>; goal: 'max' | 'min'; of: (r: EpochRecord) => unknown }[] = [
  { metric: 'val_top1', goal: 'max', of: (r) => r.val?.top1 },
  { metric: 'val_loss', goal: 'min', of: (r) => r.val?.loss },
  { metric: 'train_top1', goal: 'max', of: (r) => r.train?.top1 },
  { metric: 'train_loss', goal: 'min', of: (r) => r.train?.loss },
];

/** The best of the first metric in ORDER that some epoch recorded as a finite number. */
export function bestOf(records: readonly EpochRecord[]): StageBest {
  const planned = records.map((r) => r.epochs).find((n) => Number.isSafeInteger(n)) ?? null;
  for (const { metric, goal, of } of ORDER) {
    const values = records.map(of).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length === 0) continue;
    return { metric, goal, best: goal === 'max' ? Math.max(...values) : Math.min(...values), epochs: records.length, planned };
  }
  return { metric: 'none', goal: 'max', best: null, epochs: records.length, planned };
}

/** From summary.json's row, when metrics.jsonl has none of the stage's epochs. */
export function summaryBest(row: SummaryRow): StageBest {
  const epochs = Number.isSafeInteger(row.epochs) ? row.epochs : 0;
  if (typeof row.bestValTop1 === 'number' && Number.isFinite(row.bestValTop1)) return { metric: 'val_top1', goal: 'max', best: row.bestValTop1, epochs, planned: null };
  return { metric: 'none', goal: 'max', best: null, epochs, planned: null };
}
