// Loss and accuracy per epoch, as the report draws them: one line per run and split, several runs
// overlaid, and a dashed rule where the learning rate changed.
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord } from '../train/loop.js';

export interface RunCurve {
  /** How the legend names the run. */
  readonly run: string;
  readonly epochs: readonly EpochRecord[];
}

export type CurveMetric = 'loss' | 'top1';

/** Beyond this many changes in a stage rules would hide the lines; beyond the second, labels overlap. */
export const MAX_LR_RULES = 12;
const MAX_LR_LABELS = 6;

/**
 * Where the lr changed: before epoch e when e's lr differs from e-1's. A record's lr is the lr of
 * its last step, so the rule sits halfway between the two epochs' points.
 */
export function lrChanges(epochs: readonly EpochRecord[]): { epoch: number; lr: number }[] {
  const out: { epoch: number; lr: number }[] = [];
  for (let i = 1; i < epochs.length; i++) {
    const [a, b] = [epochs[i - 1].lr, epochs[i].lr];
    // Relative: an lr recomputed in floating point may differ in its last bit without changing.
    if (Math.abs(b - a) > 1e-9 * Math.max(Math.abs(a), Math.abs(b))) out.push({ epoch: epochs[i].epoch - 0.5, lr: b });
  }
  return out;
}

/** Whether any run has values of `metric` for this stage (reconstruction stages have no top-1). */
export function hasMetric(runs: readonly RunCurve[], metric: CurveMetric): boolean {
  return runs.some((r) => r.epochs.some((e) => typeof e.train?.[metric] === 'number' || typeof e.val?.[metric] === 'number'));
}

// Vega's tableau20 in its pairs (dark, light) of one hue: a run's val line dark, its train line light.
const PAIRS = [
  ['#4c78a8', '#9ecae9'], ['#f58518', '#ffbf79'], ['#54a24b', '#88d27a'], ['#e45756', '#ff9d98'],
  ['#b279a2', '#d6a5c9'], ['#439894', '#83bcb6'], ['#b79a20', '#f2cf5b'], ['#9e765f', '#d8b5a5'],
];

/** The chart, how many lr rules it draws, and the runs whose changes are too many to draw. */
export function curveSpec(stage: string, metric: CurveMetric, runs: readonly RunCurve[]): { spec: TopLevelSpec; rules: number; rulesLeftOut: string[] } {
  const label = (run: string, split: string) => (runs.length > 1 ? `${run} ${split}` : split);
  const points: { series: string; epoch: number; value: number }[] = [];
  const rules: { series: string; epoch: number; lr: string; row: number }[] = [];
  const domain: string[] = [];
  const range: string[] = [];
  const rulesLeftOut: string[] = [];
  runs.forEach((r, i) => {
    const [dark, light] = PAIRS[i % PAIRS.length];
    const firstOfRun = domain.length;
    for (const split of ['val', 'train'] as const) {
      const series = label(r.run, split);
      const mine = r.epochs.flatMap((e) => (typeof e[split]?.[metric] === 'number' ? [{ series, epoch: e.epoch, value: scale(metric, e[split]![metric]!) }] : []));
      if (!mine.length) continue;
      points.push(...mine);
      domain.push(series);
      range.push(split === 'val' ? dark : light);
    }
    if (domain.length === firstOfRun) return;
    const changes = lrChanges(r.epochs);
    // A schedule that moves at every epoch (cosine, cyclic) has no change worth a rule.
    const continuous = r.epochs.length > 3 && changes.length === r.epochs.length - 1;
    // A run's rules take its val colour, so with several runs each rule says whose change it is.
    if (continuous || changes.length > MAX_LR_RULES) rulesLeftOut.push(r.run);
    // Each run's labels on a line of their own, so runs changing lr at the same epoch stay legible.
    else rules.push(...changes.map((c) => ({ series: domain[firstOfRun], epoch: c.epoch, lr: `lr ${c.lr.toExponential(1)}`, row: 3 + 13 * i })));
  });
  const lastEpoch = Math.max(...points.map((p) => p.epoch));
  const x = { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
  const color = { field: 'series', type: 'nominal' as const, title: null, scale: { domain, range } };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${stage}: ${metric === 'loss' ? 'loss' : 'top-1 accuracy (%)'} per epoch`,
    width: 560,
    height: 240,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', point: { size: 24 }, strokeWidth: 2 },
        encoding: { x, y: { field: 'value', type: 'quantitative', title: metric === 'loss' ? 'loss' : 'top-1 (%)', scale: { zero: false } }, color },
      },
      ...(rules.length
        ? [
            { data: { values: rules }, mark: { type: 'rule' as const, strokeDash: [5, 4], strokeWidth: 1.2 }, encoding: { x, color } },
            // Labels right of their rule, left of it in the last third (they would run off the plot).
            ...(['left', 'right'] as const).map((align) => ({
              data: { values: rules.length > MAX_LR_LABELS ? [] : rules.filter((r) => (r.epoch > lastEpoch * 0.67) === (align === 'right')) },
              mark: { type: 'text' as const, align, baseline: 'top' as const, dx: align === 'left' ? 3 : -3, fontSize: 10, fill: '#555' },
              encoding: { x, y: { field: 'row', type: 'quantitative' as const, scale: null }, text: { field: 'lr' } },
            })),
          ]
        : []),
    ],
  };
  return { spec, rules: rules.length, rulesLeftOut };
}

/** Accuracy in percent, as the report's tables give it. */
function scale(metric: CurveMetric, v: number): number {
  return metric === 'top1' ? 100 * v : v;
}
