// The live pages' charts: the report's own Vega-Lite specifications (curves.ts, class-chart.ts),
// made interactive for a browser, plus the two the report does not draw: the learning rate and
// the throughput per epoch.
//
// The convention the page's script relies on (client/charts.js): a chart with `controls` is a
// layered spec whose first layer holds the points, {series, epoch, value}; the log switch sets
// that layer's y scale to log and the smoothing slider rewrites its values. Both re-embed the
// chart: Vega-Lite cannot make a scale's type or a window's frame a parameter.
import type { TopLevelSpec } from 'vega-lite';
import { curveSpec, type CurveMetric, type RunCurve } from '../report/curves.js';
import type { EpochRecord } from '../train/loop.js';

export interface Chart {
  /** Unique in its page; the element the chart is embedded in. */
  readonly id: string;
  readonly spec: TopLevelSpec;
  /** Whether the page offers the log switch and the smoothing slider for it. */
  readonly controls: boolean;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
type Point = { series: string; epoch: number; value: number };

/** Loss or top-1 per epoch, one line per run and split: the report's chart, made interactive. */
export function curveChart(id: string, stage: string, metric: CurveMetric, runs: readonly RunCurve[]): Chart {
  return { id, spec: interactive(curveSpec(stage, metric, runs).spec), controls: true };
}

/** The learning rate of each epoch's last step, per run. */
export function lrChart(id: string, stage: string, runs: readonly RunCurve[]): Chart {
  const points = runs.flatMap((r) => r.epochs.map((e) => ({ series: r.run, epoch: e.epoch, value: e.lr })));
  return { id, spec: interactive(lineSpec(`${stage}: learning rate per epoch (its last step)`, 'lr', points)), controls: true };
}

/** Training images per second of each epoch, per run. */
export function throughputChart(id: string, stage: string, runs: readonly RunCurve[]): Chart {
  const points = runs.flatMap((r) => r.epochs.flatMap((e) => {
    const v = imagesPerSecond(e);
    return v === null ? [] : [{ series: r.run, epoch: e.epoch, value: v }];
  }));
  return { id, spec: interactive(lineSpec(`${stage}: throughput per epoch`, 'images/s', points)), controls: true };
}

/** As recorded; from the epoch's images and seconds where a record has no positive figure. */
export function imagesPerSecond(e: EpochRecord): number | null {
  if (typeof e.imagesPerSecond === 'number' && Number.isFinite(e.imagesPerSecond) && e.imagesPerSecond > 0) return e.imagesPerSecond;
  const images = e.train?.images ?? 0;
  return images > 0 && e.seconds > 0 ? images / e.seconds : null;
}

function lineSpec(title: string, yTitle: string, points: readonly Point[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title,
    width: 560,
    height: 200,
    layer: [{
      data: { values: [...points] },
      mark: { type: 'line', point: { size: 24 }, strokeWidth: 2 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: null },
      },
    }],
  };
}

/**
 * Adds to the first layer: zoom and pan (an interval bound to the scales: drag, wheel, double
 * click resets), series shown or dimmed by clicking the legend, and a tooltip per point.
 */
export function interactive(spec: TopLevelSpec): TopLevelSpec {
  if (!('layer' in spec) || !spec.layer.length) throw new Error('interactive() takes a layered chart whose first layer holds the points');
  const [first, ...rest] = spec.layer as unknown as Record<string, unknown>[];
  const encoding = first.encoding as Record<string, unknown>;
  const layer = {
    ...first,
    params: [
      { name: 'zoom', select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' },
      { name: 'shown', select: { type: 'point', fields: ['series'] }, bind: 'legend' },
    ],
    encoding: {
      ...encoding,
      opacity: { condition: { param: 'shown', value: 1 }, value: 0.12 },
      tooltip: [{ field: 'series', title: 'series' }, { field: 'epoch', title: 'epoch' }, { field: 'value', title: 'value', format: '.5~g' }],
    },
  };
  return { ...spec, layer: [layer, ...rest] } as TopLevelSpec;
}
