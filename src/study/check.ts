// Resolves and checks every trial as `pipe run FILE --set ...` would, and reports what fails at
// its place in the study file: the axis value that caused it, naming the trial.
//
// Two passes. First each pipeline alone (with the command line's sets), each axis's path, and
// each point of each dimension alone: cheap (one resolve per value, not per trial), and it ties a
// problem to the path or value that causes it, even where the override reader would stop at a bad
// path before checking the rest. A problem every check of a pipeline shares is that pipeline's,
// printed once as it is. Only when that pass is clean are all trials resolved; a problem left
// then comes from a combination of values and is tied to a value if exactly the trials with it
// fail.
import type { ComposedSource } from '../config/extends.js';
import { overridePathProblem } from '../config/overrides.js';
import { parsePath } from '../config/paths.js';
import { pipelineJsonSchema, resolveSchemaRef } from '../config/validate.js';
import { resolvePipeline, type ResolvedSource } from '../config/resolve.js';
import { formatDiagnostic, InputError, type Diagnostic } from '../errors.js';
import { analyzeGraphs, type GraphPlan } from '../graph/analyze.js';
import { checkClassScores } from '../graph/class-scores.js';
import type { ExpandedTrial } from './expand.js';
import { pointSets } from './expand.js';
import { nameValueText } from './names.js';
import type { Dimension, StudySpec } from './spec.js';
import type { CheckedTrial } from './types.js';

export interface PipelineSource {
  /** As messages name it: relative to the working folder. */
  readonly file: string;
  readonly composed: ComposedSource;
}

type Attempt = { readonly source: ResolvedSource; readonly plan: GraphPlan } | { readonly problems: readonly Diagnostic[] };

interface Context {
  readonly spec: StudySpec;
  readonly trials: readonly ExpandedTrial[];
  readonly pipelines: readonly PipelineSource[];
  readonly cwd: string;
  readonly commandLineSets: readonly string[];
}

export async function checkTrials(c: Context): Promise<CheckedTrial[]> {
  const report = new Report();
  for (let k = 0; k < c.pipelines.length; k++) await checkPoints(c, k, report);
  if (report.size > 0) throw new InputError(report.diagnostics());
  const attempts: Attempt[] = [];
  for (const t of c.trials) attempts.push(await attempt(c, t.pipeline, t.trial.sets));
  const failing = new Map<string, { d: Diagnostic; trials: number[] }>();
  attempts.forEach((a, i) => {
    if ('problems' in a) for (const d of a.problems) addTo(failing, formatDiagnostic(d), d, i);
  });
  if (failing.size === 0) return attempts.map((a, i) => ({ trial: c.trials[i].trial, ...(a as Exclude<Attempt, { problems: unknown }>) }));
  for (const { d, trials } of failing.values()) {
    if (trials.length === c.trials.length) report.add(d);
    else relocateCombination(c, d, trials, report);
  }
  throw new InputError(report.diagnostics());
}

async function attempt(c: Context, pipeline: number, sets: readonly string[]): Promise<Attempt> {
  const { file, composed } = c.pipelines[pipeline];
  try {
    const source = await resolvePipeline(file, { cwd: c.cwd, sets, composed });
    return { source, plan: planGraphs(c, pipeline, sets, source) };
  } catch (e) {
    if (e instanceof InputError) return { problems: e.diagnostics };
    throw e;
  }
}

// A graph plan depends only on the pipeline's models and blocks: trials that set nothing under
// them (an lr, a seed) share their pipeline's plan, planned once. Half the time of a 1,000-trial
// study went to planning the same graphs again.
const plans = new WeakMap<Context, Map<string, GraphPlan>>();

function planGraphs(c: Context, pipeline: number, sets: readonly string[], source: ResolvedSource): GraphPlan {
  const key = [pipeline, ...sets.filter((s) => /^(models|blocks)[.[=]/.test(s))].join('\u0000');
  const known = plans.get(c)?.get(key);
  if (!known) {
    const plan = analyzeGraphs(source.pipeline, source.locate);
    if (!plans.has(c)) plans.set(c, new Map());
    plans.get(c)!.set(key, plan);
    return plan;
  }
  // The class-score check also reads the stages, which the trial may have changed.
  const problems = checkClassScores(source.pipeline, known.models, source.locate);
  if (problems.length > 0) throw new InputError(problems);
  return known;
}

/**
 * The first pass, for pipeline `k`: each axis's path, then each point of each dimension alone.
 * An axis's validity can hang on another's value (a schedule's keys on its swept type), so a
 * problem found is kept only if the first trial it concerns fails too.
 */
async function checkPoints(c: Context, k: number, report: Report): Promise<void> {
  const found: { d: Diagnostic; witness: ExpandedTrial }[] = [];
  const base = await attempt(c, k, c.commandLineSets);
  const baseProblems = 'problems' in base ? base.problems : [];
  const baseTexts = new Set(baseProblems.map(formatDiagnostic));
  // How many point checks still show each of the pipeline's own problems.
  const still = new Map<string, number>();
  let checks = 0;
  for (const [di, d] of c.spec.dimensions.entries()) {
    const witness = (i: number) => c.trials.find((t) => t.pipeline === k && t.points[di] === i)!;
    const badPaths = d.axes.map((a) => overridePathProblem(c.pipelines[k].composed.value, parsePath(a.path), pipelineJsonSchema(), resolveSchemaRef));
    badPaths.forEach((problem, axis) => {
      if (problem !== undefined) found.push({ d: { location: d.axes[axis].location, message: `${title(c, k, d, axis)}: ${problem}` }, witness: witness(0) });
    });
    if (badPaths.some((b) => b !== undefined)) continue;
    const fresh = new Map<string, { d: Diagnostic; trials: number[] }>(); // by axis and words, over points
    for (let i = 0; i < d.points.length; i++) {
      const r = await attempt(c, k, [...pointSets(d, i), ...c.commandLineSets]);
      checks++;
      for (const p of 'problems' in r ? r.problems : []) {
        const text = formatDiagnostic(p);
        if (baseTexts.has(text)) still.set(text, (still.get(text) ?? 0) + 1);
        else addTo(fresh, `${axisOf(d, p)}\u0000${inner(d, p)}`, p, i);
      }
    }
    for (const { d: p, trials: points } of fresh.values()) {
      const axis = axisOf(d, p);
      for (const i of points) {
        const names = c.trials.filter((t) => t.pipeline === k && t.points[di] === i).map((t) => t.trial.name);
        found.push({ d: { location: d.points[i].locations[axis], message: `${title(c, k, d, axis)}, value ${nameValueText(d.points[i].values[axis])} (${trialsText(names)}): ${inner(d, p)}` }, witness: witness(i) });
      }
    }
  }
  for (const p of baseProblems) if (checks === 0 || still.get(formatDiagnostic(p)) === checks) report.add(p);
  const failed = new Map<ExpandedTrial, boolean>();
  for (const { d, witness } of found) {
    if (!failed.has(witness)) failed.set(witness, 'problems' in (await attempt(c, k, witness.trial.sets)));
    if (failed.get(witness)) report.add(d);
  }
}

/** A problem some trials have but no value causes alone: tied to a value if exactly the trials
 *  with it fail, else to the values of the failing trials together. */
function relocateCombination(c: Context, p: Diagnostic, failing: readonly number[], report: Report): void {
  const trials = failing.map((i) => c.trials[i]);
  const names = trials.map((t) => t.trial.name);
  const [k, first] = [trials[0].pipeline, trials[0].points];
  const di = c.spec.dimensions.findIndex(
    (_, d) => trials.every((t) => t.pipeline === k && t.points[d] === first[d]) && c.trials.filter((t) => t.pipeline === k && t.points[d] === first[d]).length === trials.length,
  );
  if (di < 0) {
    const first = c.spec.dimensions.findIndex((d) => d.points.length > 1);
    const location = first < 0 ? undefined : c.spec.dimensions[first].points[trials[0].points[first]].locations[0];
    report.add({ location, message: `the values of ${trialsText(names)} together: ${formatDiagnostic(p)}` });
    return;
  }
  const d = c.spec.dimensions[di];
  const axis = axisOf(d, p);
  const point = d.points[trials[0].points[di]];
  report.add({ location: point.locations[axis], message: `${title(c, trials[0].pipeline, d, axis)}, value ${nameValueText(point.values[axis])} (${trialsText(names)}): ${inner(d, p)}` });
}

/** The axis of `d` a problem is about: the one whose `--set` it is located at, else the first. */
function axisOf(d: Dimension, p: Diagnostic): number {
  const file = p.location?.line === 0 ? p.location.file : '';
  const i = d.axes.findIndex((a) => file.startsWith(`--set ${a.path}=`));
  return i < 0 ? 0 : i;
}

/** A problem's words inside a study message: at a `--set`, its message (the axis says where);
 *  elsewhere (a graph problem in the pipeline file), the whole located line. */
function inner(d: Dimension, p: Diagnostic): string {
  if (p.location?.line !== 0) return formatDiagnostic(p);
  const axis = d.axes[axisOf(d, p)];
  return formatDiagnostic({ ...p, location: undefined, path: p.path === axis.path ? undefined : p.path });
}

function title(c: Context, k: number, d: Dimension, axis: number): string {
  return c.pipelines.length > 1 ? `${d.axes[axis].title} in ${c.pipelines[k].file}` : d.axes[axis].title;
}

export function trialsText(names: readonly string[]): string {
  if (names.length === 1) return `trial ${names[0]}`;
  if (names.length === 2) return `trials ${names[0]} and ${names[1]}`;
  return `trials ${names[0]}, ${names[1]} and ${names.length - 2} more`;
}

function addTo<T>(groups: Map<string, { d: Diagnostic; trials: T[] }>, key: string, d: Diagnostic, item: T): void {
  const g = groups.get(key);
  if (g) {
    if (!g.trials.includes(item)) g.trials.push(item);
  } else groups.set(key, { d, trials: [item] });
}

/** Problems found, each once: one located in the same place with the same words is merged. */
class Report {
  private readonly byText = new Map<string, Diagnostic>();

  get size(): number {
    return this.byText.size;
  }

  add(d: Diagnostic): void {
    const text = formatDiagnostic(d);
    if (!this.byText.has(text)) this.byText.set(text, d);
  }

  /** In the order a reader meets them: by file, line, column. */
  diagnostics(): Diagnostic[] {
    const ds = [...this.byText.values()];
    const files = [...new Set(ds.map((d) => d.location?.file ?? ''))];
    const rank = (d: Diagnostic): [number, number, number] => [files.indexOf(d.location?.file ?? ''), d.location?.line ?? Infinity, d.location?.col ?? 0];
    return ds.sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
    });
  }
}
