// The one way to read a study: load it (with extends), validate it against
// schemas/study.schema.json, read its axes, expand them into trials, and resolve and check every
// trial as an ordinary pipeline. Every problem is reported at once, located in the study file
// where the study caused it.
import { stat } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { loadWithExtends } from '../config/extends.js';
import type { DocumentKind } from '../config/load.js';
import { formatPath, parsePath } from '../config/paths.js';
import { locator, sortByPlace, withoutSuperseded } from '../config/resolve.js';
import { closest, didYouMean } from '../config/suggest.js';
import type { ResolvedPipeline } from '../config/types.js';
import { InputError, type Diagnostic } from '../errors.js';
import { checkTrials, trialsText, type PipelineSource } from './check.js';
import { expandTrials, studyAxes } from './expand.js';
import { readStudySpec, where, within, type StudySpec } from './spec.js';
import type { CheckedTrial, ResolvedStudy, StudyMetric } from './types.js';
import { validateStudyData } from './validate.js';

export interface LoadStudyOptions {
  readonly cwd: string;
  /** Command-line `PATH=VALUE` overrides, applied to every trial after its own. */
  readonly sets?: readonly string[];
}

const STUDY_DOCUMENT: DocumentKind = { noun: 'study', sections: 'name, pipeline or pipelines, axes (grid, zip, random, seeds) and metric' };

export async function loadStudy(file: string, opts: LoadStudyOptions): Promise<{ study: ResolvedStudy; trials: CheckedTrial[] }> {
  const sets = opts.sets ?? [];
  const composed = await loadWithExtends(file, opts.cwd, STUDY_DOCUMENT);
  const data = structuredClone(composed.value);
  const locate = locator(composed.files, []);
  const invalid = await validateStudyData(data, locate);
  if (invalid.length > 0) throw new InputError(sortByPlace(withoutSuperseded(invalid)));
  const { spec, problems } = readStudySpec(data, composed.files, opts.cwd, locate);
  if (!spec) throw new InputError(sortByPlace(problems));
  const pipelines = await composePipelines(spec, opts.cwd);
  const names = pipelines.map((p) => pipelineName(p, sets));
  throwIf([...commandLineConflicts(spec, sets), ...sameNames(spec, names)]);
  const expanded = expandTrials(spec, names, sets);
  const trials = await checkTrials({ spec, trials: expanded, pipelines, cwd: opts.cwd, commandLineSets: sets });
  throwIf([...metricProblems(spec, names, trials), ...pruneProblems(spec, trials)]);
  const study: ResolvedStudy = {
    name: spec.name,
    file: resolve(opts.cwd, file),
    seed: spec.seed,
    metric: spec.metric,
    prune: spec.prune,
    axes: studyAxes(spec),
    trials: expanded.map((t) => t.trial),
  };
  return { study, trials };
}

function throwIf(problems: readonly Diagnostic[]): void {
  if (problems.length > 0) throw new InputError(problems);
}

/** Each pipeline file read once, with its extends: every trial of it starts from this copy. */
async function composePipelines(spec: StudySpec, cwd: string): Promise<PipelineSource[]> {
  const problems: Diagnostic[] = [];
  const out: PipelineSource[] = [];
  for (const p of spec.pipelines) {
    const file = relative(cwd, p.absolute) || p.absolute;
    if (!(await isFile(p.absolute))) {
      problems.push({ location: p.location, message: `pipeline file not found: ${p.written} (resolved to ${file})` });
      continue;
    }
    try {
      out.push({ file, composed: await loadWithExtends(file, cwd) });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.diagnostics);
    }
  }
  throwIf(problems);
  return out;
}

/** The name trials carry: the pipeline's, or the command line's `--set name=...`. */
function pipelineName(p: PipelineSource, sets: readonly string[]): string {
  const fromSet = sets.filter((s) => s.startsWith('name=')).at(-1);
  if (fromSet !== undefined) return fromSet.slice('name='.length);
  const name = p.composed.value.name;
  return typeof name === 'string' ? name : basename(p.file).replace(/\.ya?ml$/, '');
}

/** A command-line set on a swept path would undo the sweep (or the sweep would undo it). */
function commandLineConflicts(spec: StudySpec, sets: readonly string[]): Diagnostic[] {
  const axes = spec.dimensions.flatMap((d) => d.axes);
  return sets.flatMap((text) => {
    const eq = text.indexOf('=');
    if (eq <= 0) return [];
    const path = formatPath(parsePath(text.slice(0, eq)));
    return axes
      .filter((a) => within(a.path, path) || within(path, a.path))
      .map((a) => ({ location: { file: `--set ${text}`, line: 0, col: 0 }, message: `${a.title}${where(a.location)} sweeps this path: a command-line --set applies to every trial, so it cannot also set a swept one` }));
  });
}

/** Trials are named by their pipeline's name, so two pipelines of one name would make twins. */
function sameNames(spec: StudySpec, names: readonly string[]): Diagnostic[] {
  return names.flatMap((n, k) => {
    const j = names.indexOf(n);
    return j < k ? [{ location: spec.pipelines[k].location, message: `${spec.pipelines[k].written} is named '${n}', as ${spec.pipelines[j].written} is: trials are named by their pipeline, so give each its own name` }] : [];
  });
}

/** The stage whose `metric.name` counts for a trial of the pipeline named `pipeline`. */
export function metricStage(metric: StudyMetric, pipeline: string): string {
  return metric.stages?.[pipeline] ?? metric.stage;
}

/** The metric's stage must exist in every trial, train, and measure that metric; metric.stages
 *  names only pipelines of the study. */
function metricProblems(spec: StudySpec, names: readonly string[], trials: readonly CheckedTrial[]): Diagnostic[] {
  const { name } = spec.metric;
  const unknown = Object.keys(spec.metric.stages ?? {})
    .filter((n) => !names.includes(n))
    .map((n) => ({ location: spec.metricLocation, message: `metric.stages: no pipeline '${n}' in the study${didYouMean(n, names)} (its pipelines: ${names.join(', ')})` }));
  if (unknown.length > 0) return unknown;
  return perTrial(trials, (p) => {
    const stage = metricStage(spec.metric, p.name);
    const missing = stageMissing(p, stage);
    if (missing) return missing;
    const s = p.stages[stage];
    if (s.kind === 'evaluate') return `stage '${stage}' of ${p.name} evaluates: it has no epochs to take the best ${name} of`;
    if (name.endsWith('top1') || name.endsWith('top5')) {
      if (s.kind !== 'classify') return `stage '${stage}' of ${p.name} reconstructs: it measures no ${name} (only train_loss and val_loss)`;
    }
    if (name.startsWith('val_') && !s.val) return `stage '${stage}' of ${p.name} has no val data: ${name} is never measured`;
    return undefined;
  }).map(([message, names]) => ({ location: spec.metricLocation, message: `metric: ${message}${some(names, trials)}` }));
}

/** The pruned stage must exist, and its first rung come before it ends, in every trial. */
function pruneProblems(spec: StudySpec, trials: readonly CheckedTrial[]): Diagnostic[] {
  const prune = spec.prune;
  if (!prune) return [];
  const missing = perTrial(trials, (p) => stageMissing(p, prune.stage));
  if (missing.length > 0) return missing.map(([message, names]) => ({ location: spec.pruneStageLocation, message: `prune.stage: ${message}${some(names, trials)}` }));
  return perTrial(trials, (p) => {
    const epochs = p.stages[prune.stage].epochs;
    if (epochs === undefined || prune.min_epochs >= epochs) return `${prune.min_epochs} is not below the ${epochs ?? 'no'} epochs of stage '${prune.stage}' of ${p.name}: the first rung must come before the stage ends`;
    return undefined;
  }).map(([message, names]) => ({ location: spec.pruneLocation, message: `prune.min_epochs: ${message}${some(names, trials)}` }));
}

/** Which trials, where not all. */
function some(names: readonly string[], trials: readonly CheckedTrial[]): string {
  return names.length < trials.length ? ` (${trialsText(names)})` : '';
}

function stageMissing(p: ResolvedPipeline, stage: string): string | undefined {
  if (stage in p.stages) return undefined;
  const known = Object.keys(p.stages);
  const near = closest(stage, known);
  return `no stage '${stage}' in ${p.name}${near ? `; did you mean '${near}'?` : ''} (its stages: ${known.join(', ')})`;
}

/** Each distinct problem of `check` over the trials, with the trials that have it. */
function perTrial(trials: readonly CheckedTrial[], check: (p: ResolvedPipeline) => string | undefined): [string, string[]][] {
  const found = new Map<string, string[]>();
  for (const t of trials) {
    const message = check(t.source.pipeline);
    if (message !== undefined) found.set(message, [...(found.get(message) ?? []), t.trial.name]);
  }
  return [...found];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
