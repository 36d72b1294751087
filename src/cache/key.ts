// A stage's content key: the sha256 of the canonical JSON of StageKeyInput, which holds exactly
// what the stage's result depends on. Everything is taken from the resolved pipeline and the
// expanded graph, never from the text: formatting, comments, key order, a block's name, extends
// vs. inlined text and names that only label things (the pipeline's, the stage's, a chain's)
// cannot change a key; any change of meaning does. Loads no tfjs, so `pipe run` can find every
// stage cached without starting a backend.
import { createHash } from 'node:crypto';
import type { AugmentStep, EarlyStopping, GraphModel, OptimizerConfig, ResolvedDataSource, ResolvedPipeline, ScheduleConfig, SplitName, StageKind } from '../config/types.js';
import { canonicalJson } from '../data/cache.js';
import { selectionSources } from '../data/spec.js';
import type { GraphPlan } from '../graph/analyze.js';
import { microBatchInKey, workersInKey } from '../train/parallel/shards.js';

/** Bump when the store's layout or a field's meaning changes, so old entries are never misread.
 *  2: `data` fingerprints file contents and paths relative to the data set's root (was: absolute
 *  paths, sizes and mtimes), so copying or moving a data set keeps every key.
 *  Not bumped when the training workers came to share BatchNorm's statistics: every stage whose
 *  result that changed got another key with it (`workers` null where it held a count), and the
 *  stages it did not change kept theirs, so no old entry is read for a new meaning. */
export const CACHE_FORMAT = 2;

/** One graph model the stage runs, as the compiler sees it. */
export interface GraphKey {
  /** The model's name seeds its initial weights (`init/<model>/<node>`) and names its layers. */
  readonly name: string;
  readonly input: readonly number[];
  /** Per-op initialiser defaults of the model. */
  readonly init: unknown;
  /** Expanded nodes: unique name (seeds init and dropout, names the weights), op, evaluated
   *  parameters, inputs. Where a node was written (a block, a line) is left out. */
  readonly nodes: readonly { readonly name: string; readonly op: string; readonly params: unknown; readonly inputs: readonly string[] }[];
  /** A model that starts from a weights file: the file's sha256 (its bytes are the initial
   *  weights; where it lies is not) and how its tensors map to nodes. Absent otherwise, so the
   *  keys of models without one are as before it existed. */
  readonly weights?: { readonly sha256: string; readonly rename: unknown; readonly exclude: readonly string[]; readonly strict: boolean };
}

/** A data source with its augmentation chain written out, not named. */
export interface SourceKey extends Omit<ResolvedDataSource, 'augment'> {
  readonly augment: readonly AugmentStep[] | null;
}

export interface StageKeyInput {
  /** CACHE_FORMAT: a new store layout or new semantics never reads old entries. */
  readonly format: number;
  /** The backend kind: backends round differently, so their weights differ after a few steps. */
  readonly backend: string;
  /** The pipeline seed: initial weights, data order, augmentation and dropout draw from it. */
  readonly seed: number;
  /** What the stage does and what it minimises. */
  readonly kind: StageKind;
  readonly loss: string;
  readonly label_smoothing: number;
  /** The graphs the stage's model runs, in order (a composition's parts), whole. */
  readonly graphs: readonly GraphKey[];
  /** model -> the key of the stage whose weights start it: a changed upstream stage reruns this one. */
  readonly init: Readonly<Record<string, string>>;
  /** Models whose layers do not train. */
  readonly freeze: readonly string[];
  /** Keys of the stages it needs, sorted: order and names of stages do not matter, results do. */
  readonly needs: readonly string[];
  /** The training and evaluation data: sources with their selection, seeds and chains. */
  readonly train: readonly SourceKey[] | null;
  readonly val: readonly SourceKey[] | null;
  /** The corruption chain of a reconstruction stage, written out. */
  readonly corrupt: readonly AugmentStep[] | null;
  readonly epochs: number | null;
  readonly batch_size: number;
  readonly optimizer: OptimizerConfig | null;
  readonly schedule: ScheduleConfig;
  /** Training workers, where they change the result: with dropout each worker's shard draws its
   *  own masks, with BatchNorm over micro_batch pieces each piece has its own statistics
   *  (docs/training.md); null otherwise and for evaluation. */
  readonly workers: number | null;
  /** micro_batch where it changes the result (as workers): absent otherwise, so keys of stages
   *  that do not set it are as before it existed. */
  readonly micro_batch?: number;
  /** Early stopping ends the stage sooner and may restore the best weights. */
  readonly early_stopping: EarlyStopping | null;
  /** Fingerprint of each split the stage reads (cache/fingerprint.ts): each file's path relative
   *  to the data set's root and sha256, the decode options and decoder, labels, class names. */
  readonly data: Readonly<Partial<Record<SplitName, string>>>;
  /** Only with --warm-start: the sha256 of the weights the stage started from instead of its
   *  initial ones (absent otherwise, so ordinary keys do not carry it). */
  readonly warm_start?: string;
  // Left out on purpose: checkpoint_every (when checkpoints are written, not what is computed),
  // descriptions, the report section, loader threads (batches are identical for any count).
}

export interface StageKey {
  readonly key: string;
  readonly input: StageKeyInput;
}

export interface KeyContext {
  readonly backend: string;
  /** The run's training workers (see StageKeyInput.workers). */
  readonly workers: number;
  /** The fingerprint of a split (see fingerprint.ts); called once per split used. */
  readonly fingerprint: (split: SplitName) => string;
  /** Stage -> sha256 of the weights it warm-starts from. */
  readonly warmStart?: Readonly<Record<string, string>>;
}

/** Every stage's key, in run order (a stage's needs come before it). */
export function stageKeys(p: ResolvedPipeline, plan: GraphPlan, ctx: KeyContext): Record<string, StageKey> {
  const keys: Record<string, StageKey> = {};
  const prints = new Map<SplitName, string>();
  const print = (split: SplitName) => {
    if (!prints.has(split)) prints.set(split, ctx.fingerprint(split));
    return prints.get(split)!;
  };
  const sources = (sel: Parameters<typeof selectionSources>[0] | undefined): SourceKey[] | null =>
    sel ? selectionSources(sel).map((s) => ({ ...s, augment: s.augment === null ? null : p.augment[s.augment] })) : null;
  for (const [name, s] of Object.entries(p.stages)) {
    const train = s.kind === 'evaluate' ? null : sources(s.train);
    const val = sources(s.val);
    const splits = [...(train ?? []), ...(val ?? [])].map((src) => src.split).sort();
    const input: StageKeyInput = {
      format: CACHE_FORMAT,
      backend: ctx.backend,
      seed: p.seed,
      kind: s.kind,
      loss: s.loss,
      label_smoothing: s.label_smoothing,
      graphs: plan.models[s.model].parts.map((g) => graphKey(p, plan, g)),
      init: Object.fromEntries(Object.entries(s.init).map(([model, from]) => [model, keys[from].key])),
      freeze: [...s.freeze].sort(),
      needs: s.needs.map((n) => keys[n].key).sort(),
      train,
      val,
      corrupt: s.corrupt === null ? null : p.augment[s.corrupt],
      epochs: s.kind === 'evaluate' ? null : (s.epochs ?? null),
      batch_size: s.batch_size,
      optimizer: s.kind === 'evaluate' ? null : (s.optimizer ?? null),
      schedule: s.schedule,
      workers: s.kind === 'evaluate' ? null : workersInKey(plan, s.model, s, ctx.workers),
      ...(s.kind !== 'evaluate' && s.micro_batch !== null && microBatchInKey(plan, s.model, s, ctx.workers) ? { micro_batch: s.micro_batch } : {}),
      early_stopping: s.early_stopping ?? null,
      data: Object.fromEntries(splits.map((split) => [split, print(split)])),
      ...(ctx.warmStart?.[name] ? { warm_start: ctx.warmStart[name] } : {}),
    };
    keys[name] = { key: hashKey(input), input };
  }
  return keys;
}

export function hashKey(input: StageKeyInput): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

function graphKey(p: ResolvedPipeline, plan: GraphPlan, graph: string): GraphKey {
  const model = p.models[graph] as GraphModel;
  const imported = plan.weights?.[graph];
  return {
    name: graph,
    input: plan.models[graph].input,
    init: model.init ?? {},
    nodes: plan.nodes[graph].map((n) => ({ name: n.name, op: n.op, params: n.params, inputs: n.inputs })),
    ...(imported && model.weights ? { weights: { sha256: imported.sha256, rename: model.weights.rename, exclude: model.weights.exclude, strict: model.weights.strict } } : {}),
  };
}

/** The top-level fields (and graph nodes, by name) that differ between two key inputs. */
export function changedKeyFields(a: StageKeyInput, b: StageKeyInput): string[] {
  const changed: string[] = [];
  for (const field of Object.keys({ ...a, ...b }) as (keyof StageKeyInput)[]) {
    if (canonicalJson(a[field]) === canonicalJson(b[field])) continue;
    if (field === 'graphs') changed.push(...changedGraphs(a.graphs, b.graphs));
    else changed.push(field);
  }
  return changed;
}

function changedGraphs(a: readonly GraphKey[], b: readonly GraphKey[]): string[] {
  const out: string[] = [];
  const names = [...new Set([...a.map((g) => g.name), ...b.map((g) => g.name)])];
  for (const name of names) {
    const ga = a.find((g) => g.name === name);
    const gb = b.find((g) => g.name === name);
    if (!ga || !gb) {
      out.push(`graphs.${name}`);
      continue;
    }
    if (canonicalJson(ga.input) !== canonicalJson(gb.input)) out.push(`graphs.${name}.input`);
    if (canonicalJson(ga.init) !== canonicalJson(gb.init)) out.push(`graphs.${name}.init`);
    if (canonicalJson(ga.weights ?? null) !== canonicalJson(gb.weights ?? null)) out.push(`graphs.${name}.weights`);
    const nodes = [...new Set([...ga.nodes.map((n) => n.name), ...gb.nodes.map((n) => n.name)])];
    for (const node of nodes) {
      const na = ga.nodes.find((n) => n.name === node);
      const nb = gb.nodes.find((n) => n.name === node);
      if (canonicalJson(na) !== canonicalJson(nb)) out.push(`graphs.${name}.nodes.${node}`);
    }
    if (ga.nodes.map((n) => n.name).join() !== gb.nodes.map((n) => n.name).join() && !out.some((f) => f.startsWith(`graphs.${name}.nodes.`))) out.push(`graphs.${name}.order`);
  }
  return out;
}
