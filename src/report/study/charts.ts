// The study report's charts as Vega-Lite specifications (rendered to SVG by ../charts.ts):
// parallel coordinates of the swept values and the metric, the metric against each swept value,
// and the metric's curve per epoch of the best trials.
//
// Parallel coordinates are placed here rather than by Vega transforms: each axis maps its values
// to 0..1 (numbers linearly, or in log10 when they span more than 100x; strings and booleans by
// their rank), so every axis shares one y scale, a line per trial joins its places, and each
// axis's tick labels are text marks at their places.
import type { TopLevelSpec } from 'vega-lite';
import type { TrialRecord } from '../../study/record.js';
import { valueText } from './trials.js';

type Value = TrialRecord['values'][string] | undefined;

/** How an axis places values: 0 (bottom) to 1 (top); MISSING below the axis for no value. */
export interface PlacedAxis {
  readonly label: string;
  readonly kind: 'linear' | 'log' | 'category';
  /** Categories in axis order (category axes only). */
  readonly categories: readonly string[];
  place(v: Value): number;
  readonly ticks: readonly { readonly pos: number; readonly text: string }[];
}

const MISSING = -0.1;
/** Four significant digits, no trailing zeros: a metric whose values are all equal (33.3333...)
 *  would otherwise be labelled with every digit. */
const METRIC_FORMAT = '.4~g';
/** Pixels between two axes of the parallel coordinates. */
const STEP = 130;
/** Beyond this many categories an axis labels only some, evenly spread. */
const MAX_TICKS = 12;
/** Up to this many distinct numbers an axis labels each; beyond, its ends and middle. */
const MAX_NUMBER_TICKS = 6;
/** Numbers spanning more than this factor (all positive) go on a log scale: lr, weight decay. */
const LOG_SPAN = 100;

export function placeAxis(label: string, values: readonly Value[]): PlacedAxis {
  const present = values.filter((v) => v !== undefined && v !== null);
  const missing = present.length < values.length;
  const numeric = present.length > 0 && present.every((v) => typeof v === 'number' && Number.isFinite(v));
  const none = missing ? [{ pos: MISSING, text: 'none' }] : [];
  if (!numeric) {
    const categories = [...new Set(values.map(valueText))].sort(byValue);
    const at = (i: number) => (categories.length > 1 ? i / (categories.length - 1) : 0.5);
    const every = Math.ceil(categories.length / MAX_TICKS);
    const ticks = categories.flatMap((text, i) => (i % every === 0 || i === categories.length - 1 ? [{ pos: at(i), text }] : []));
    return { label, kind: 'category', categories, place: (v) => at(categories.indexOf(valueText(v))), ticks };
  }
  const nums = present as number[];
  const [lo, hi] = [Math.min(...nums), Math.max(...nums)];
  const log = lo > 0 && hi / lo > LOG_SPAN;
  const f = log ? Math.log10 : (x: number) => x;
  const place = (v: Value) => (typeof v !== 'number' ? MISSING : hi === lo ? 0.5 : (f(v) - f(lo)) / (f(hi) - f(lo)));
  // A grid's few values each get a label; many (a random axis, the metric) the ends and middle.
  const distinct = [...new Set(nums)].sort((a, b) => a - b);
  const mid = log ? Math.sqrt(lo * hi) : (lo + hi) / 2;
  const at = distinct.length <= MAX_NUMBER_TICKS ? distinct : [lo, mid, hi];
  const ticks = at.map((x) => ({ pos: place(x), text: shortNumber(x) }));
  return { label, kind: log ? 'log' : 'linear', categories: [], place, ticks: [...ticks, ...none] };
}

/** Numbers (as text) by value, then other text in code-point order: `2 < 10 < adam < sgd`. */
function byValue(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  const [nx, ny] = [a.trim() !== '' && Number.isFinite(x), b.trim() !== '' && Number.isFinite(y)];
  if (nx && ny) return x - y;
  if (nx !== ny) return nx ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function shortNumber(x: number): string {
  return String(Number(x.toPrecision(3)));
}

export interface ParallelLine {
  readonly trial: number;
  /** The metric, in the charts' unit (metricScale). */
  readonly metric: number;
  readonly values: readonly Value[];
}

/** One line per trial across the swept axes and the metric (the last axis); drawn worst first, so
 *  the best lie on top. `axes` are the swept ones; the metric axis is made here. */
export function parallelSpec(axes: readonly PlacedAxis[], lines: readonly ParallelLine[], metricTitle: string, goal: 'max' | 'min'): TopLevelSpec {
  const metricAxis = placeAxis(metricTitle, lines.map((l) => l.metric));
  const all = [...axes, metricAxis];
  const points = [...lines].reverse().flatMap((l) => [...l.values, l.metric].map((v, i) => ({ trial: l.trial, axis: all[i].label, i, pos: all[i].place(v), metric: l.metric })));
  const ticks = all.flatMap((a) => a.ticks.map((t) => ({ axis: a.label, pos: t.pos, text: t.text })));
  const low = points.some((p) => p.pos === MISSING) ? MISSING - 0.04 : -0.04;
  const x = { field: 'axis', type: 'nominal' as const, sort: all.map((a) => a.label), title: null, axis: { labelAngle: 0, labelLimit: 160, domain: false, ticks: false, labelPadding: 8 } };
  const y = { type: 'quantitative' as const, scale: { domain: [low, 1.04], nice: false, zero: false }, axis: null };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `The swept values and ${metricTitle}, one line per trial`,
    width: { step: STEP },
    height: 260,
    layer: [
      { data: { values: all.map((a) => ({ axis: a.label, from: low + 0.04, to: 1 })) }, mark: { type: 'rule', color: '#999' }, encoding: { x, y: { ...y, field: 'from' }, y2: { field: 'to' } } },
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 1.2, opacity: lines.length > 100 ? 0.3 : 0.7 },
        encoding: {
          x,
          y: { ...y, field: 'pos' },
          detail: { field: 'trial', type: 'nominal' },
          order: { field: 'i', type: 'quantitative' },
          // Dark is better whichever way the metric goes.
          color: { field: 'metric', type: 'quantitative', title: metricTitle, scale: { scheme: 'viridis', reverse: goal === 'max' }, legend: { format: METRIC_FORMAT } },
        },
      },
      // Cut short (with an ellipsis) before the next axis: a category may be a long string.
      { data: { values: ticks }, mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 10, fill: '#333', limit: STEP - 12 }, encoding: { x, y: { ...y, field: 'pos' }, text: { field: 'text' } } },
    ],
  };
}

export interface ValuePoint {
  readonly value: Value;
  readonly metric: number;
  readonly status: TrialRecord['status'];
}

const STATUS_COLOURS: Readonly<Record<TrialRecord['status'], string>> = { done: '#4c78a8', pruned: '#f58518', stopped: '#9d755d', running: '#54a24b', pending: '#bab0ac', failed: '#e45756' };
/** Up to this many categories the x axis names each one. */
const NAMED_CATEGORIES = 40;

/** The metric against one swept value: a point per trial, coloured by status (a pruned trial's
 *  metric is its value at the rung it was cut). */
export function valueSpec(axis: PlacedAxis, points: readonly ValuePoint[], metricTitle: string): TopLevelSpec {
  const category = axis.kind === 'category';
  const values = points.filter((p) => category || typeof p.value === 'number').map((p) => ({ x: category ? valueText(p.value) : p.value, metric: p.metric, status: p.status }));
  const statuses = (Object.keys(STATUS_COLOURS) as TrialRecord['status'][]).filter((s) => values.some((v) => v.status === s));
  const named = axis.categories.length <= NAMED_CATEGORIES;
  // Seeds, batch sizes, epochs: no tick between two integers.
  const integers = axis.kind === 'linear' && values.every((v) => Number.isInteger(v.x));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${metricTitle} against ${axis.label}`,
    width: 300,
    height: 200,
    data: { values },
    mark: { type: 'point', filled: true, size: 40, opacity: 0.7 },
    encoding: {
      x: category
        ? { field: 'x', type: 'ordinal', sort: [...axis.categories], title: axis.label, axis: named ? { labelAngle: -30, labelLimit: 120 } : { labels: false, ticks: false } }
        : { field: 'x', type: 'quantitative', title: axis.kind === 'log' ? `${axis.label} (log scale)` : axis.label, scale: axis.kind === 'log' ? { type: 'log', padding: 10 } : { zero: false, padding: 10 }, ...(integers ? { axis: { tickMinStep: 1, format: 'd' } } : {}) },
      // Padded: a point at either end of a range is drawn whole, not cut by the frame.
      y: { field: 'metric', type: 'quantitative', title: metricTitle, scale: { zero: false, padding: 10 }, axis: { format: METRIC_FORMAT } },
      color: { field: 'status', type: 'nominal', title: null, scale: { domain: statuses, range: statuses.map((s) => STATUS_COLOURS[s]) } },
    },
  };
}

export interface TrialCurve {
  /** `#3`: the trial's rank, as the trial table numbers it. */
  readonly trial: string;
  readonly points: readonly { readonly epoch: number; readonly value: number }[];
}

/** The metric per epoch, one line per trial, in rank order in the legend. */
export function trialCurvesSpec(title: string, metricTitle: string, curves: readonly TrialCurve[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 240,
    data: { values: curves.flatMap((c) => c.points.map((p) => ({ trial: c.trial, epoch: p.epoch, value: p.value }))) },
    mark: { type: 'line', point: { size: 20 }, strokeWidth: 1.6 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: metricTitle, scale: { zero: false }, axis: { format: METRIC_FORMAT } },
      color: { field: 'trial', type: 'nominal', title: 'trial', sort: curves.map((c) => c.trial), scale: { scheme: 'tableau10' } },
    },
  };
}
