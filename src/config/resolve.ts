// The one way to get a ResolvedPipeline: load (with extends), apply --set overrides, validate
// against the schema (filling defaults), check references, then fill what depends on context.
import { dirname, isAbsolute, resolve } from 'node:path';
import { InputError, type Diagnostic, type SourceLocation } from '../errors.js';
import { loadWithExtends, type ComposedSource } from './extends.js';
import type { LoadedFile } from './load.js';
import { applyOverrides, type AppliedOverride } from './overrides.js';
import { formatPath, getAt, type Path } from './paths.js';
import { checkReferences } from './check.js';
import { isComposed, type ResolvedDataSelection, type ResolvedPipeline, type ResolvedStage } from './types.js';
import { pipelineJsonSchema, resolveSchemaRef, validatePipelineData, type Locate } from './validate.js';

export interface ResolveOptions {
  readonly cwd: string;
  /** `PATH=VALUE` overrides, applied after extends, in order. */
  readonly sets?: readonly string[];
  /** `file` already loaded with its extends: a study resolves one file for many trials, and
   *  reads and parses it once. Not modified (the resolver works on a copy). */
  readonly composed?: ComposedSource;
}

export interface ResolvedSource {
  readonly pipeline: ResolvedPipeline;
  /** The files it was read from: the named one first, then its bases. */
  readonly files: readonly LoadedFile[];
  readonly locate: Locate;
}

export async function resolvePipeline(file: string, opts: ResolveOptions): Promise<ResolvedSource> {
  const composed = opts.composed ?? (await loadWithExtends(file, opts.cwd));
  const data = structuredClone(composed.value);
  const overrides = applyOverrides(data, opts.sets ?? [], pipelineJsonSchema(), resolveSchemaRef);
  const locate = locator(composed.files, overrides);
  const problems = [...(await validatePipelineData(data, locate)), ...checkReferences(data, locate)];
  if (problems.length > 0) throw new InputError(sortByPlace(withoutSuperseded(problems)));
  const pipeline = finish(data as unknown as Mutable<ResolvedPipeline>, composed.files, opts.cwd);
  return { pipeline, files: composed.files, locate };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Fills what the schema's static defaults cannot: paths, seeds, losses by kind, run order. */
function finish(p: Mutable<ResolvedPipeline>, files: readonly LoadedFile[], cwd: string): ResolvedPipeline {
  const rootFile = files.find((f) => getAt(f.value, ['dataset', 'root']) !== undefined) ?? files[0];
  const root = p.dataset.root;
  const dataset = { ...p.dataset, root: isAbsolute(root) ? root : resolve(cwd, dirname(rootFile.file), root) };
  const stages: Record<string, ResolvedStage> = {};
  for (const name of runOrder(p.stages)) {
    const s = p.stages[name] as Mutable<ResolvedStage>;
    stages[name] = {
      ...s,
      loss: s.loss ?? (s.kind === 'reconstruct' ? 'mse' : 'cross_entropy'),
      schedule: s.schedule ?? { type: 'constant' },
      ...(s.train ? { train: withSeeds(s.train, p.seed) } : {}),
      ...(s.val ? { val: withSeeds(s.val, p.seed) } : {}),
    };
  }
  return deepFreeze({ ...p, dataset, models: withWeightPaths(p.models, files, cwd), stages, report: p.report ?? { per_class: [], top_classes: 5, preview: [] } });
}

/** A model's weights file, relative to the file that wrote it (a --set value: to the working folder). */
function withWeightPaths(models: ResolvedPipeline['models'], files: readonly LoadedFile[], cwd: string): ResolvedPipeline['models'] {
  return Object.fromEntries(
    Object.entries(models).map(([name, m]) => {
      const weights = isComposed(m) ? undefined : m.weights;
      if (!weights || isAbsolute(weights.file)) return [name, m];
      const writer = files.find((f) => getAt(f.value, ['models', name, 'weights', 'file']) === weights.file);
      return [name, { ...m, weights: { ...weights, file: resolve(cwd, writer ? dirname(writer.file) : '.', weights.file) } }];
    }),
  );
}

function withSeeds(sel: ResolvedDataSelection, seed: number): ResolvedDataSelection {
  const fill = <T extends { seed: number | null }>(s: T): T => ({ ...s, seed: s.seed ?? seed });
  return 'concat' in sel ? { concat: sel.concat.map(fill) } : fill(sel);
}

/** Stages in an order where each comes after its needs; otherwise as written. */
function runOrder(stages: ResolvedPipeline['stages']): string[] {
  const out: string[] = [];
  const visit = (n: string) => {
    if (out.includes(n)) return;
    for (const d of stages[n].needs) visit(d);
    out.push(n);
  };
  for (const n of Object.keys(stages)) visit(n);
  return out;
}

/** Where a path was written: an override, else the nearest file (named one first) that has it. */
export function locator(files: readonly LoadedFile[], overrides: readonly AppliedOverride[]): Locate {
  return (path: Path, at = 'key'): SourceLocation | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      const override = overrides.find((o) => formatPath(o.path) === formatPath(prefix));
      if (override) return override.location;
      const key = formatPath(prefix);
      for (const f of files) {
        const hit = (at === 'value' && n === path.length ? f.location(`${key}\u0000value`) : undefined) ?? f.location(key);
        if (hit) return hit;
      }
    }
    return undefined;
  };
}

/** Drops a missing-key complaint that a typo's "did you mean" already covers. */
export function withoutSuperseded(ds: readonly Diagnostic[]): Diagnostic[] {
  const superseded = new Set(ds.map((d) => d.supersedes).filter((s) => s !== undefined));
  return ds.filter((d) => d.about === undefined || !superseded.has(d.about));
}

/** In the order a reader meets them: by file (named one first), line, column. */
export function sortByPlace(ds: readonly Diagnostic[]): Diagnostic[] {
  const files = [...new Set(ds.map((d) => d.location?.file ?? ''))];
  const rank = (d: Diagnostic) => [files.indexOf(d.location?.file ?? ''), d.location?.line ?? Infinity, d.location?.col ?? 0];
  return [...ds].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
  });
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}
