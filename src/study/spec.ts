// A validated study file as the axes it sweeps: each `grid` path, each `zip` group, the `random`
// samples and the `seeds` are one dimension, a list of points (one value per path of the
// dimension), every value with where it is written. Checks what the schema cannot say, located:
// equal zip lengths, no value listed twice, no path swept twice, one distribution per parameter,
// lo < hi, the metric's form, and the trial count (before any trial is made).
import { dirname, resolve } from 'node:path';
import type { Diagnostic, SourceLocation } from '../errors.js';
import { canonicalJson } from '../data/cache.js';
import type { LoadedFile } from '../config/load.js';
import { formatPath, getAt, parsePath, type Path } from '../config/paths.js';
import type { Locate } from '../config/validate.js';
import { closest } from '../config/suggest.js';
import { Rng } from '../random.js';
import { METRIC_NAMES, MAX_AXIS_VALUES, MAX_TRIALS } from './schema.js';
import { nameValueText } from './names.js';
import type { PruneSpec, StudyMetric } from './types.js';

export interface Axis {
  /** The path as trials set it, in one form (`a.b.3` is written `a.b[3]`); `seed` for seeds. */
  readonly path: string;
  /** How messages name it: `grid 'PATH'`, `zip[0] 'PATH'`, `random 'PATH'`, `seeds`. */
  readonly title: string;
  readonly location?: SourceLocation;
}

/** One trial's values of a dimension: one per axis, each with where it is written. */
export interface Point {
  readonly values: readonly unknown[];
  readonly locations: readonly (SourceLocation | undefined)[];
}

export interface Dimension {
  readonly kind: 'grid' | 'zip' | 'random' | 'seeds';
  readonly axes: readonly Axis[];
  readonly points: readonly Point[];
  /** For the trial count: `grid 'PATH'`, `zip[0]`, `samples`, `seeds`. */
  readonly title: string;
}

export interface PipelineEntry {
  /** As the study writes it. */
  readonly written: string;
  readonly absolute: string;
  readonly location?: SourceLocation;
}

export interface StudySpec {
  readonly name: string;
  readonly seed: number;
  readonly pipelines: readonly PipelineEntry[];
  readonly dimensions: readonly Dimension[];
  /** The metric as written; its goal filled by name where not given. */
  readonly metric: StudyMetric;
  readonly metricLocation?: SourceLocation;
  readonly prune: PruneSpec | null;
  /** Where prune.min_epochs is written, and prune.stage (the metric, where prune names none). */
  readonly pruneLocation?: SourceLocation;
  readonly pruneStageLocation?: SourceLocation;
  readonly trialCount: number;
}

type Data = Record<string, unknown>;

/** The spec of validated, defaults-filled study data, or every problem found. */
export function readStudySpec(data: Data, files: readonly LoadedFile[], cwd: string, locate: Locate): { spec?: StudySpec; problems: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  const at: At = (path, message, kind = 'value') => problems.push({ location: locate(path, kind), message });
  const pipelines = readPipelines(data, files, cwd, locate, at);
  const dimensions = [...gridDimensions(data, locate, at), ...zipDimensions(data, locate, at), ...randomDimensions(data, locate, at), ...seedDimensions(data, locate, at)];
  problems.push(...overlappingAxes(dimensions), ...reservedAxes(dimensions));
  const metric = readMetric(data.metric, (m) => at(['metric'], `metric: ${m}`));
  const prune = readPrune(data.prune as Data | undefined, metric);
  const trialCount = dimensions.reduce((n, d) => n * d.points.length, pipelines.length);
  if (trialCount > MAX_TRIALS) {
    const factors = [`${pipelines.length} pipeline${pipelines.length === 1 ? '' : 's'}`, ...dimensions.map((d) => `${d.points.length} (${d.title})`)];
    const first = dimensions.find((d) => d.points.length > 1)?.axes[0].location;
    problems.push({ location: first, message: `the study makes ${trialCount.toLocaleString('en-US')} trials (${factors.join(' x ')}), over the limit of ${MAX_TRIALS.toLocaleString('en-US')}: sweep fewer values, or split the study` });
  }
  if (problems.length > 0 || !metric) return { problems };
  const spec: StudySpec = {
    name: data.name as string,
    seed: data.seed as number,
    pipelines,
    dimensions,
    metric,
    metricLocation: locate(['metric'], 'value'),
    prune,
    pruneLocation: locate(['prune', 'min_epochs'], 'value'),
    pruneStageLocation: (data.prune as Data | undefined)?.stage === undefined ? locate(['metric'], 'value') : locate(['prune', 'stage'], 'value'),
    trialCount,
  };
  return { spec, problems };
}

type At = (path: Path, message: string, kind?: 'key' | 'value') => void;

/** `pipeline` then `pipelines`, relative to the study file that wrote them (a base, under extends). */
function readPipelines(data: Data, files: readonly LoadedFile[], cwd: string, locate: Locate, at: At): PipelineEntry[] {
  const written: [Path, string][] = [];
  if (typeof data.pipeline === 'string') written.push([['pipeline'], data.pipeline]);
  ((data.pipelines as string[] | undefined) ?? []).forEach((p, i) => written.push([['pipelines', i], p]));
  if (written.length === 0) {
    at([], 'no pipeline: give `pipeline: FILE` or `pipelines: [FILE, ...]` (relative to the study file)', 'key');
    return [];
  }
  const out: PipelineEntry[] = [];
  for (const [path, text] of written) {
    const from = files.find((f) => getAt(f.value, [path[0]]) !== undefined) ?? files[0];
    const absolute = resolve(cwd, dirname(from.file), text);
    const twice = out.find((p) => p.absolute === absolute);
    if (twice) at(path, `${formatPath(path)}: ${text} is listed twice (also as ${twice.written}): each pipeline once`);
    else out.push({ written: text, absolute, location: locate(path, 'value') });
  }
  return out;
}

function gridDimensions(data: Data, locate: Locate, at: At): Dimension[] {
  return Object.entries((data.grid as Record<string, unknown[]>) ?? {}).flatMap(([written, values]) => {
    const axis = axisAt(written, `grid '${written}'`, ['grid', written], locate);
    if (!checkList(['grid', written], axis, values, at)) return [];
    return [{ kind: 'grid', axes: [axis], title: axis.title, points: values.map((v, i) => ({ values: [v], locations: [locate(['grid', written, i])] })) }];
  });
}

function zipDimensions(data: Data, locate: Locate, at: At): Dimension[] {
  return ((data.zip as Record<string, unknown[]>[]) ?? []).flatMap((group, g) => {
    const entries = Object.entries(group);
    const axes = entries.map(([written]) => axisAt(written, `zip[${g}] '${written}'`, ['zip', g, written], locate));
    if (!entries.every(([written, values], i) => checkList(['zip', g, written], axes[i], values, at))) return [];
    const longest = entries.reduce((a, b) => (b[1].length > a[1].length ? b : a));
    const short = entries.filter(([, values]) => values.length < longest[1].length);
    for (const [written, values] of short) {
      at(['zip', g, written], `zip[${g}] '${written}': ${values.length} value${values.length === 1 ? '' : 's'}, but '${longest[0]}' has ${longest[1].length}: the paths of a zip group move together, so their lists have equal lengths`);
    }
    if (short.length > 0) return [];
    const points = longest[1].map((_, i) => ({ values: entries.map(([, values]) => values[i]), locations: entries.map(([written]) => locate(['zip', g, written, i])) }));
    return [{ kind: 'zip', axes, title: `zip[${g}]`, points }];
  });
}

/** An axis list: at most MAX_AXIS_VALUES values, none twice (trial names must be unique). */
function checkList(path: Path, axis: Axis, values: readonly unknown[], at: At): boolean {
  if (values.length > MAX_AXIS_VALUES) {
    at(path, `${axis.title}: ${values.length.toLocaleString('en-US')} values, over the limit of ${MAX_AXIS_VALUES.toLocaleString('en-US')} per axis`);
    return false;
  }
  const first = new Map<string, number>();
  let ok = true;
  values.forEach((v, i) => {
    const key = canonicalJson(v);
    const j = first.get(key);
    if (j === undefined) first.set(key, i);
    else {
      at([...path, i], `${axis.title}: ${nameValueText(v)} is listed twice (items ${j} and ${i}): trial names must be unique`);
      ok = false;
    }
  });
  return ok;
}

type Distribution = { uniform?: [number, number]; log_uniform?: [number, number]; int?: [number, number]; choice?: unknown[] };

/** The random samples: drawn here, from the study's seed, so the trial count is known before expanding. */
function randomDimensions(data: Data, locate: Locate, at: At): Dimension[] {
  const random = data.random as { samples: number; params: Record<string, Distribution> } | undefined;
  if (!random) return [];
  const params = Object.entries(random.params);
  const axes = params.map(([written]) => axisAt(written, `random '${written}'`, ['random', 'params', written], locate));
  let ok = true;
  params.forEach(([written, dist], i) => {
    const path: Path = ['random', 'params', written];
    const kinds = Object.keys(dist);
    if (kinds.length > 1) {
      at(path, `${axes[i].title}: one distribution per parameter, found ${kinds.length}: ${kinds.join(', ')}`);
      ok = false;
    }
    for (const kind of ['uniform', 'log_uniform', 'int'] as const) {
      const range = dist[kind];
      if (range && (kind === 'int' ? range[0] > range[1] : range[0] >= range[1])) {
        at([...path, kind], `${axes[i].title}: ${kind}: expected [lo, hi] with lo ${kind === 'int' ? '<=' : '<'} hi, found [${range.join(', ')}]`);
        ok = false;
      }
    }
    if (dist.choice && !checkList([...path, 'choice'], axes[i], dist.choice, at)) ok = false;
  });
  if (!ok) return [];
  const rng = Rng.from(data.seed as number, 'study/random');
  const seen = new Set<string>();
  const points: Point[] = [];
  const locations = axes.map((a) => a.location);
  let draws = 0;
  // Samples that repeat one another are drawn again: trial names must be unique.
  for (; points.length < random.samples && draws < random.samples * 100; draws++) {
    const values = params.map(([, dist]) => draw(rng, dist));
    const key = canonicalJson(values);
    if (seen.has(key)) continue;
    seen.add(key);
    points.push({ values, locations });
  }
  if (points.length < random.samples) {
    at(['random', 'samples'], `random.samples: only ${points.length} different samples in ${draws} draws, fewer than the ${random.samples} asked: the choices and int ranges allow fewer`);
    return [];
  }
  return [{ kind: 'random', axes, title: 'random samples', points }];
}

/** One draw. Floats keep 4 significant digits (readable names; finer steps matter to no
 *  hyperparameter), clamped to [lo, hi] after rounding. */
function draw(rng: Rng, d: Distribution): unknown {
  const round = (x: number, [lo, hi]: [number, number]) => Math.min(hi, Math.max(lo, Number(x.toPrecision(4))));
  if (d.uniform) return round(rng.uniform(d.uniform[0], d.uniform[1]), d.uniform);
  if (d.log_uniform) return round(Math.exp(rng.uniform(Math.log(d.log_uniform[0]), Math.log(d.log_uniform[1]))), d.log_uniform);
  if (d.int) return rng.intInclusive(d.int[0], d.int[1]);
  if (d.choice) return d.choice[rng.int(d.choice.length)];
  throw new Error('a distribution with no kind passed the schema');
}

function seedDimensions(data: Data, locate: Locate, at: At): Dimension[] {
  const seeds = data.seeds as number | number[] | undefined;
  if (seeds === undefined) return [];
  const axis: Axis = { path: 'seed', title: 'seeds', location: locate(['seeds']) };
  const list = typeof seeds === 'number' ? [...Array(seeds).keys()] : seeds;
  const points = list.map((s, i) => ({ values: [s], locations: [typeof seeds === 'number' ? locate(['seeds'], 'value') : locate(['seeds', i])] }));
  // A seed listed twice is refused as any repeated value is.
  if (Array.isArray(seeds) && !checkList(['seeds'], axis, seeds, at)) return [];
  return [{ kind: 'seeds', axes: [axis], title: 'seeds', points }];
}

function axisAt(written: string, title: string, path: Path, locate: Locate): Axis {
  return { path: formatPath(parsePath(written)), title, location: locate(path) };
}

/** A path swept twice (or a path and a path inside it) would set one value two ways. */
function overlappingAxes(dimensions: readonly Dimension[]): Diagnostic[] {
  const seen: Axis[] = [];
  const out: Diagnostic[] = [];
  for (const axis of dimensions.flatMap((d) => d.axes)) {
    const other = seen.find((s) => within(s.path, axis.path) || within(axis.path, s.path));
    if (other) out.push({ location: axis.location, message: `${axis.title} overlaps ${other.title}${where(other.location)}: sweep each value in one place` });
    seen.push(axis);
  }
  return out;
}

/** Whether `inner` is `outer` or a path inside it. */
export function within(outer: string, inner: string): boolean {
  return inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
}

export function where(l: SourceLocation | undefined): string {
  return l ? ` (${l.file}:${l.line}:${l.col})` : '';
}

function reservedAxes(dimensions: readonly Dimension[]): Diagnostic[] {
  return dimensions.flatMap((d) => d.axes).filter((a) => a.path === 'name' || a.path === 'extends').map((a) => ({ location: a.location, message: `${a.title}: the study names its trials and picks their files; sweep a setting instead` }));
}

function readMetric(value: unknown, fail: (message: string) => void): StudyMetric | undefined {
  const goalOf = (name: StudyMetric['name']) => (name.endsWith('loss') ? 'min' : 'max');
  if (typeof value !== 'string') {
    const m = value as { stage: string; name: StudyMetric['name']; goal?: 'max' | 'min'; stages?: Record<string, string> };
    return { stage: m.stage, name: m.name, goal: m.goal ?? goalOf(m.name), ...(m.stages ? { stages: m.stages } : {}) };
  }
  const dot = value.lastIndexOf('.');
  const [stage, name] = dot < 0 ? ['', value] : [value.slice(0, dot), value.slice(dot + 1)];
  if (dot <= 0) {
    fail(`expected STAGE.METRIC (e.g. finetune.val_top1) or {stage, name, goal}, found ${JSON.stringify(value)}`);
    return undefined;
  }
  if (!(METRIC_NAMES as readonly string[]).includes(name)) {
    const near = closest(name, METRIC_NAMES);
    fail(`unknown metric '${name}'${near ? `; did you mean '${near}'?` : ''} (known: ${METRIC_NAMES.join(', ')})`);
    return undefined;
  }
  return { stage, name: name as StudyMetric['name'], goal: goalOf(name as StudyMetric['name']) };
}

function readPrune(prune: Data | undefined, metric: StudyMetric | undefined): PruneSpec | null {
  if (!prune || !metric) return null;
  return { type: 'successive_halving', stage: (prune.stage as string | undefined) ?? metric.stage, min_epochs: prune.min_epochs as number, eta: prune.eta as number };
}
