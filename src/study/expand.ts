// The trials of a study: its pipelines crossed with every dimension (grid paths in the order
// written, then zip groups, then the random samples, then seeds), the first varying slowest and
// seeds fastest, so a trial's replicates are neighbours. Each trial is its pipeline file and the
// `--set` overrides that make it, the command line's last. A name lists every axis but the
// second and later paths of a zip group: they move with the first, whose values are unique.
import type { StudyTrial } from './types.js';
import { axisLabels, recordedValue, setValueText, trialName } from './names.js';
import type { Dimension, StudySpec } from './spec.js';

export interface ExpandedTrial {
  readonly trial: StudyTrial;
  /** Index into spec.pipelines. */
  readonly pipeline: number;
  /** The point of each dimension it takes, by index. */
  readonly points: readonly number[];
}

/** Precomputed per point: the same strings for every trial that takes it. */
interface PointText {
  readonly sets: readonly string[];
  readonly labelled: readonly (readonly [string, unknown])[];
  readonly values: readonly (readonly [string, string | number | boolean | null])[];
}

/** Every axis path, in the order trial names list them. */
export function studyAxes(spec: StudySpec): string[] {
  return spec.dimensions.flatMap((d) => d.axes.map((a) => a.path));
}

/** The sets of one point (for a check of that point alone). */
export function pointSets(d: Dimension, point: number): string[] {
  return d.axes.map((a, i) => `${a.path}=${setValueText(d.points[point].values[i])}`);
}

export function expandTrials(spec: StudySpec, pipelineNames: readonly string[], commandLineSets: readonly string[]): ExpandedTrial[] {
  const labels = axisLabels(studyAxes(spec));
  const texts: PointText[][] = spec.dimensions.map((d) =>
    d.points.map((p, i) => ({
      sets: pointSets(d, i),
      labelled: (d.kind === 'zip' ? d.axes.slice(0, 1) : d.axes).map((a, j) => [labels.get(a.path)!, p.values[j]] as const),
      values: d.axes.map((a, j) => [a.path, recordedValue(p.values[j])] as const),
    })),
  );
  const out: ExpandedTrial[] = [];
  const several = spec.pipelines.length > 1;
  spec.pipelines.forEach((pipeline, k) => {
    for (const points of odometer(spec.dimensions.map((d) => d.points.length))) {
      const chosen = points.map((i, d) => texts[d][i]);
      const values = Object.fromEntries([...(several ? [['pipeline', pipeline.written] as const] : []), ...chosen.flatMap((t) => t.values)]);
      out.push({
        pipeline: k,
        points,
        trial: {
          name: trialName(pipelineNames[k], chosen.flatMap((t) => t.labelled)),
          file: pipeline.absolute,
          sets: [...chosen.flatMap((t) => t.sets), ...commandLineSets],
          values,
        },
      });
    }
  });
  return out;
}

/** Every combination of indices below `sizes`, the last index turning fastest. */
function* odometer(sizes: readonly number[]): Generator<number[]> {
  if (sizes.some((n) => n === 0)) return;
  const at = sizes.map(() => 0);
  for (;;) {
    yield [...at];
    let d = sizes.length - 1;
    while (d >= 0 && ++at[d] === sizes[d]) at[d--] = 0;
    if (d < 0) return;
  }
}
