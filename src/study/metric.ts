// A study's metric read from a stage's epochs: its best value, by the metric's goal. (No import
// of train/loop.ts: that loads the layers, and planning a study loads no tfjs.)
import type { EpochRecord } from '../train/loop.js';
import type { StudyMetric } from './types.js';

export function metricOf(r: EpochRecord, name: StudyMetric['name']): number | undefined {
  const [split, measure] = name.split('_') as ['train' | 'val', 'loss' | 'top1' | 'top5'];
  const value = r[split]?.[measure];
  return typeof value === 'number' ? value : undefined;
}

/** The best value of `name` over the epochs up to `upTo` (all when absent); null when none has it. */
export function bestValue(records: readonly EpochRecord[], name: StudyMetric['name'], goal: StudyMetric['goal'], upTo = Infinity): number | null {
  let best: number | null = null;
  for (const r of records) {
    if (r.epoch > upTo) continue;
    const v = metricOf(r, name);
    if (v === undefined || !Number.isFinite(v)) continue;
    if (best === null || (goal === 'max' ? v > best : v < best)) best = v;
  }
  return best;
}
