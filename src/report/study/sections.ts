// The study report's sections: the trial table (best first), the Table 1 layout (network,
// parameters, epochs, best val top-1, time per epoch), the failed trials with their errors, the
// charts of the swept values against the metric, and the metric's curve for the best trials.
// Everything is bounded, so that a study of 10,000 trials still gives a page a browser opens.
import { thousands } from '../../format.js';
import { metricOf } from '../../study/metric.js';
import type { StudyRecord } from '../../study/record.js';
import { renderSvg } from '../charts.js';
import type { Block, Cell, Column, Section } from '../document.js';
import { parallelSpec, placeAxis, trialCurvesSpec, valueSpec, type PlacedAxis } from './charts.js';
import { metricScale, metricText, networkFigures, statusText, valueText, type RankedTrial, type StudyTrials } from './trials.js';

/** Rows of the trial and Table 1 tables: the best this many (the rest are in study.json). */
export const MAX_TABLE_ROWS = 500;
export const MAX_FAILED_ROWS = 100;
/** Trials drawn in the parallel and per-value charts: beyond, this many evenly spread by rank. */
export const MAX_CHART_TRIALS = 1000;
/** Swept values given an axis and a chart of their own. */
export const MAX_CHARTED_AXES = 16;
/** Curves in the per-trial curve chart: the best ones (one colour each). */
export const MAX_CURVES = 10;
/** The order the overview counts trials in: finished, then under way, then failed. */
const STATUSES = ['done', 'pruned', 'stopped', 'running', 'pending', 'failed'] as const;
/** An error longer than this is cut in its table cell (study.json holds it whole). */
const MAX_ERROR_CHARS = 400;

export function trialSection(record: StudyRecord, t: StudyTrials): Section {
  const rows = t.ranked.slice(0, MAX_TABLE_ROWS);
  const columns: Column[] = [{ title: '#', align: 'right' }, { title: 'trial' }, ...t.columns.map((c) => ({ title: c.label })), { title: metricTitle(record, false), align: 'right' }, { title: 'status' }];
  const blocks: Block[] = [{ kind: 'text', text: overview(record, t) }];
  if (record.status === 'running') blocks.unshift({ kind: 'text', text: `A snapshot: the study was still running when its record was last written (${utc(record.updated)}).` });
  if (rows.length) {
    blocks.push({
      kind: 'table',
      caption: cut('Every trial, best first', rows.length, t.ranked.length),
      columns,
      rows: rows.map((r) => [rankText(r), r.trial.name, ...t.columns.map((c) => valueText(r.trial.values[c.path])), metricText(record.metric.name, r.metric), statusText(r)]),
    });
  }
  return { title: 'Trials', level: 2, blocks };
}

/** The report's Table 1: one row per trial, from the record of its metric stage. */
export function networkSection(record: StudyRecord, t: StudyTrials): Section {
  const rows: Cell[][] = t.ranked.slice(0, MAX_TABLE_ROWS).map((r) => {
    if (!r.stage) return [rankText(r), r.trial.name, '-', '-', '-', '-', '-'];
    const f = networkFigures(r.stage);
    return [rankText(r), r.trial.name, f.model, thousands(f.parameters), String(f.epochs), metricText('val_top1', f.bestValTop1), f.secondsPerEpoch === null ? '-' : `${f.secondsPerEpoch.toFixed(1)} s`];
  });
  const blocks: Block[] = rows.length
    ? [{
        kind: 'table',
        caption: cut(`Each trial's ${stageWords(record)}, best first`, rows.length, t.ranked.length),
        columns: [{ title: '#', align: 'right' }, { title: 'trial' }, { title: 'network' }, { title: 'parameters', align: 'right' }, { title: 'epochs', align: 'right' }, { title: 'best val top-1', align: 'right' }, { title: 'time per epoch', align: 'right' }],
        rows,
      }]
    : [{ kind: 'text', text: 'The study has no trials.' }];
  return { title: 'Networks (Table 1)', level: 2, blocks };
}

export function failedSection(t: StudyTrials): Section | null {
  const failed = t.ranked.filter((r) => r.trial.status === 'failed');
  if (!failed.length) return null;
  const rows = failed.slice(0, MAX_FAILED_ROWS).map((r) => [rankText(r), r.trial.name, clip(r.trial.error ?? 'no error recorded')]);
  return {
    title: 'Failed trials',
    level: 2,
    blocks: [{ kind: 'table', caption: cut('Each failed trial with its error', rows.length, failed.length, 'the first'), columns: [{ title: '#', align: 'right' }, { title: 'trial' }, { title: 'error' }], rows }],
  };
}

export async function chartSection(record: StudyRecord, t: StudyTrials): Promise<Section> {
  const title = 'The swept values against the metric';
  const measured = t.ranked.filter((r) => r.metric !== null);
  if (!measured.length) return { title, level: 2, blocks: [{ kind: 'text', text: `No trial has a value of ${record.metric.name} yet: nothing to chart.` }] };
  if (!t.columns.length) return { title, level: 2, blocks: [{ kind: 'text', text: 'The study sweeps no value: nothing to chart against.' }] };
  const drawn = evenlyByRank(measured, MAX_CHART_TRIALS);
  const columns = t.columns.slice(0, MAX_CHARTED_AXES);
  const axes: PlacedAxis[] = columns.map((c) => placeAxis(c.label, drawn.map((r) => r.trial.values[c.path])));
  const name = metricTitle(record);
  const scaled = (r: RankedTrial) => metricScale(record.metric.name, r.metric!);
  const notes: string[] = [];
  if (drawn.length < measured.length) notes.push(`${drawn.length} of the ${thousands(measured.length)} trials with a value, evenly spread over the ranking (the best and the worst included)`);
  if (measured.length < t.ranked.length) notes.push(`${t.ranked.length - measured.length} trial${t.ranked.length - measured.length > 1 ? 's' : ''} without a value of the metric not drawn`);
  if (columns.length < t.columns.length) notes.push(`the first ${columns.length} of ${t.columns.length} swept values`);
  const note = notes.length ? `; ${notes.join('; ')}` : '';
  const lines = drawn.map((r) => ({ trial: r.rank!, metric: scaled(r), values: columns.map((c) => r.trial.values[c.path]) }));
  const blocks: Block[] = [await chart('study-parallel', `Parallel coordinates: a line per trial through its swept values to its ${name}, darker for better; strings and booleans sit in their sorted order, numbers spanning over 100x on a log scale, "none" where a trial has no value${note}.`, parallelSpec(axes, lines, name, record.metric.goal))];
  for (const [i, axis] of axes.entries()) {
    const points = drawn.map((r) => ({ value: r.trial.values[columns[i].path], metric: scaled(r), status: r.trial.status }));
    blocks.push(await chart(`study-value-${i + 1}`, `${name} against ${axis.label}, a point per trial coloured by status${axis.kind === 'log' ? ', log scale' : ''}${note}.`, valueSpec(axis, points, name)));
  }
  return { title, level: 2, blocks };
}

export async function trialCurveSection(record: StudyRecord, t: StudyTrials): Promise<Section> {
  const { name } = record.metric;
  const withEpochs = t.ranked.filter((r) => r.rank !== null && r.stage?.records.some((e) => metricOf(e, name) !== undefined));
  const title = 'Curves';
  if (!withEpochs.length) return { title, level: 2, blocks: [{ kind: 'text', text: `No trial has finished an epoch of its metric stage: no ${name} curve yet.` }] };
  const best = withEpochs.slice(0, MAX_CURVES);
  const curves = best.map((r) => ({
    trial: `#${r.rank}`,
    points: r.stage!.records.flatMap((e) => {
      const v = metricOf(e, name);
      return v === undefined || !Number.isFinite(v) ? [] : [{ epoch: e.epoch, value: metricScale(name, v) }];
    }),
  }));
  const shown = best.length < withEpochs.length ? `the best ${best.length} of ${thousands(withEpochs.length)} ranked trials` : 'every ranked trial';
  const spec = trialCurvesSpec(`${name} per epoch of ${stageWords(record)}`, metricTitle(record), curves);
  return { title, level: 2, blocks: [await chart('study-curves', `${name} per epoch, ${shown}, each named by its rank in the trial table; a pruned trial's line ends at its rung.`, spec)] };
}

async function chart(id: string, caption: string, spec: Parameters<typeof renderSvg>[0]): Promise<Block> {
  return { kind: 'chart', id, caption, svg: await renderSvg(spec, id) };
}

/** `n` trials spread evenly over the ranking, the first and last included. */
export function evenlyByRank<T>(ranked: readonly T[], n: number): T[] {
  if (ranked.length <= n) return [...ranked];
  return Array.from({ length: n }, (_, i) => ranked[Math.round((i * (ranked.length - 1)) / (n - 1))]);
}

function overview(record: StudyRecord, t: StudyTrials): string {
  const count = (status: string) => t.ranked.filter((r) => r.trial.status === status).length;
  const parts = STATUSES.filter((s) => count(s) > 0).map((s) => `${thousands(count(s))} ${s}`);
  const trials = `${thousands(t.ranked.length)} trial${t.ranked.length === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  const better = record.metric.goal === 'max' ? 'higher' : 'lower';
  return `${trials}, ranked by the best ${record.metric.name} of ${stageWords(record)} (${better} is better; a pruned trial's is its value at the rung it was cut).`;
}

/** `stage finetune`, or for a study whose pipelines name it differently, `the metric stage`. */
function stageWords(record: StudyRecord): string {
  return record.metric.stages ? 'each pipeline\'s metric stage' : `stage ${record.metric.stage}`;
}

/** The metric as a chart's axis names it (with its unit); a table's cells carry their own `%`. */
export function metricTitle(record: StudyRecord, unit = true): string {
  return `best ${record.metric.name}${unit && !record.metric.name.endsWith('loss') ? ' (%)' : ''}`;
}

function cut(caption: string, shown: number, all: number, which = 'the best'): string {
  return shown < all ? `${caption}: ${which} ${shown} of ${thousands(all)} (all are in study.json)` : caption;
}

function rankText(r: RankedTrial): string {
  return r.rank === null ? '-' : String(r.rank);
}

function clip(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 3)}...` : text;
}

export function utc(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
