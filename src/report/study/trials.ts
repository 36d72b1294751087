// A study record as the report reads it: the trials ranked best first by the metric, the swept
// values as columns with short labels, and each trial's record of its metric stage (its model,
// parameters and epochs). Pure data: sections.ts turns it into tables, charts.ts into charts.
import { bestValue } from '../../study/metric.js';
import { axisLabels } from '../../study/names.js';
import type { StageRecord, StudyRecord, TrialRecord } from '../../study/record.js';
import type { StudyMetric } from '../../study/types.js';

/** A swept value's column: `pipeline` (a study of several pipelines), then the study's axes. */
export interface ValueColumn {
  /** The key of TrialRecord.values: `stages.finetune.optimizer.lr`, `seed`, `pipeline`. */
  readonly path: string;
  /** As trial names show it: `finetune.lr`. */
  readonly label: string;
}

export interface RankedTrial {
  /** 1 for the best; null for a trial with no metric value (they come last, in the study's
   *  order, unranked as in `pipe study`'s summary). */
  readonly rank: number | null;
  /** The trial's position in the study (StageRecord.trials counts so). */
  readonly index: number;
  readonly trial: TrialRecord;
  /** The metric's value when it is a number the report can rank (finite), else null. */
  readonly metric: number | null;
  /** The record of the trial's metric stage; null when it was never planned. */
  readonly stage: StageRecord | null;
  /** The epoch after which successive halving stopped one of its stages; null when none was. */
  readonly prunedAt: number | null;
}

export interface StudyTrials {
  readonly columns: readonly ValueColumn[];
  /** Every trial, best first; those without a metric value last. */
  readonly ranked: readonly RankedTrial[];
}

export function studyTrials(record: StudyRecord): StudyTrials {
  const stages = new Map(record.stages.map((s) => [s.key, s]));
  const { metric } = record;
  const rows = record.trials.map((trial, index) => {
    // The metric's stage may be named per pipeline (Table 1's densenet: cycle2).
    const key = trial.keys?.[trial.metricStage];
    const value = trial.metric;
    const pruned = Object.values(trial.keys ?? {}).flatMap((k) => stages.get(k)?.prunedAt ?? []);
    return {
      index,
      trial,
      metric: typeof value === 'number' && Number.isFinite(value) ? value : null,
      stage: (key !== undefined && stages.get(key)) || null,
      prunedAt: pruned.length ? Math.min(...pruned) : null,
    };
  });
  const better = (a: number, b: number) => (metric.goal === 'max' ? b - a : a - b);
  rows.sort((a, b) => (a.metric === null ? (b.metric === null ? a.index - b.index : 1) : b.metric === null ? -1 : better(a.metric, b.metric) || a.index - b.index));
  return { columns: valueColumns(record), ranked: rows.map((r, i) => ({ ...r, rank: r.metric === null ? null : i + 1 })) };
}

function valueColumns(record: StudyRecord): ValueColumn[] {
  const seen = new Set(record.trials.flatMap((t) => Object.keys(t.values)));
  // A hand-edited record may hold values of no axis: shown after the axes rather than dropped.
  const paths = [...(seen.has('pipeline') ? ['pipeline'] : []), ...record.axes, ...[...seen].filter((p) => p !== 'pipeline' && !record.axes.includes(p))];
  const labels = axisLabels([...new Set(paths)]);
  return [...labels].map(([path, label]) => ({ path, label }));
}

/** A swept value as a cell shows it; `-` where the trial has no such value. */
export function valueText(v: TrialRecord['values'][string] | undefined): string {
  return v === undefined ? '-' : v === null ? 'null' : String(v);
}

/** Accuracies in percent, as the run report's tables give them; losses as they are. */
export function metricText(name: StudyMetric['name'], v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return name.endsWith('loss') ? v.toFixed(4) : `${(100 * v).toFixed(2)}%`;
}

/** The metric as the charts plot it: the same units as metricText. */
export function metricScale(name: StudyMetric['name'], v: number): number {
  return name.endsWith('loss') ? v : 100 * v;
}

/** What one trial's metric stage shows in the Table 1 layout. */
export interface NetworkFigures {
  readonly model: string;
  readonly parameters: number;
  readonly epochs: number;
  readonly bestValTop1: number | null;
  /** Mean of the epochs' seconds; null before the first epoch. */
  readonly secondsPerEpoch: number | null;
}

export function networkFigures(stage: StageRecord): NetworkFigures {
  const seconds = stage.records.map((r) => r.seconds).filter((s) => Number.isFinite(s));
  return {
    model: stage.model,
    parameters: stage.parameters,
    epochs: stage.records.length,
    bestValTop1: bestValue(stage.records, 'val_top1', 'max'),
    secondsPerEpoch: seconds.length ? seconds.reduce((a, b) => a + b, 0) / seconds.length : null,
  };
}

/** The status as a table says it: a pruned trial with the epoch it was stopped at. */
export function statusText(t: RankedTrial): string {
  if (t.trial.status === 'pruned' && t.prunedAt !== null) return `pruned at epoch ${t.prunedAt}`;
  return t.trial.status;
}
