// The second validation step: references between sections and rules that span fields. The
// schema has checked shapes; this checks meaning, and names both keys when two disagree. It
// reads the data defensively, so it can run even when the schema found errors elsewhere.
import type { Diagnostic } from '../errors.js';
import { formatPath, type Path } from './paths.js';
import { didYouMean } from './suggest.js';
import type { Locate } from './validate.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const keysOf = (v: unknown): string[] => (isObj(v) ? Object.keys(v) : []);
const VAL_METRICS = new Set(['val_loss', 'val_top1', 'val_top5']);

export function checkReferences(data: Obj, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx = { data, locate, out, models: keysOf(data.models), stages: keysOf(data.stages), chains: keysOf(data.augment), blocks: keysOf(data.blocks) };
  checkModels(ctx);
  checkBlocks(ctx);
  checkStages(ctx);
  checkReport(ctx);
  return out;
}

interface Ctx {
  readonly data: Obj;
  readonly locate: Locate;
  readonly out: Diagnostic[];
  readonly models: string[];
  readonly stages: string[];
  readonly chains: string[];
  readonly blocks: string[];
}

/** `path` must name one of `known` (a model, stage, chain or block). */
function ref(ctx: Ctx, path: Path, value: unknown, kind: string, known: readonly string[]): boolean {
  if (typeof value !== 'string' || known.includes(value)) return typeof value === 'string';
  const list = known.length ? `known ${kind}s: ${known.join(', ')}` : `the pipeline defines no ${kind}s`;
  ctx.out.push({ location: ctx.locate(path, 'value'), path: formatPath(path), message: `unknown ${kind} '${value}'${didYouMean(value, known)}`, hint: list });
  return false;
}

function error(ctx: Ctx, path: Path, message: string, at: 'key' | 'value' = 'key'): void {
  ctx.out.push({ location: ctx.locate(path, at), path: formatPath(path), message });
}

function checkModels(ctx: Ctx): void {
  const models = isObj(ctx.data.models) ? ctx.data.models : {};
  const deps = new Map<string, string[]>();
  for (const [name, m] of Object.entries(models)) {
    if (!isObj(m)) continue;
    const mine: string[] = [];
    if (typeof m.input === 'string' && ref(ctx, ['models', name, 'input'], m.input, 'model', ctx.models)) mine.push(m.input);
    if (Array.isArray(m.compose)) m.compose.forEach((c, i) => ref(ctx, ['models', name, 'compose', i], c, 'model', ctx.models) && mine.push(c as string));
    if (Array.isArray(m.nodes)) checkNodes(ctx, ['models', name, 'nodes'], m.nodes);
    deps.set(name, mine);
  }
  reportCycle(ctx, deps, (n) => ['models', n], 'models feed each other in a cycle');
}

function checkNodes(ctx: Ctx, path: Path, nodes: unknown[]): void {
  nodes.forEach((node, i) => {
    if (!isObj(node) || typeof node.block !== 'string') return;
    const at = [...path, i];
    if (!ref(ctx, [...at, 'block'], node.block, 'block', ctx.blocks)) return;
    const block = (ctx.data.blocks as Obj)[node.block];
    const params = isObj(block) && isObj(block.params) ? block.params : {};
    const args = isObj(node.args) ? node.args : {};
    for (const a of Object.keys(args)) {
      if (!Object.hasOwn(params, a)) error(ctx, [...at, 'args', a], `block '${node.block}' has no parameter '${a}'${didYouMean(a, Object.keys(params))}`);
    }
    for (const [p, dflt] of Object.entries(params)) {
      if (dflt === 'required' && !Object.hasOwn(args, p)) error(ctx, at, `block '${node.block}' needs a value for its parameter '${p}' (args: {${p}: ...})`);
    }
  });
}

function checkBlocks(ctx: Ctx): void {
  const blocks = isObj(ctx.data.blocks) ? ctx.data.blocks : {};
  const deps = new Map<string, string[]>();
  for (const [name, b] of Object.entries(blocks)) {
    if (!isObj(b) || !Array.isArray(b.nodes)) continue;
    checkNodes(ctx, ['blocks', name, 'nodes'], b.nodes);
    deps.set(name, b.nodes.filter((n): n is Obj => isObj(n) && typeof n.block === 'string').map((n) => n.block as string));
  }
  reportCycle(ctx, deps, (n) => ['blocks', n], 'blocks use each other in a cycle');
}

/** Models a stage's model is made of (itself, what it composes, what feeds its input). */
function components(data: Obj, model: string, seen = new Set<string>()): Set<string> {
  if (seen.has(model)) return seen;
  seen.add(model);
  const m = isObj(data.models) ? data.models[model] : undefined;
  if (!isObj(m)) return seen;
  if (Array.isArray(m.compose)) for (const c of m.compose) if (typeof c === 'string') components(data, c, seen);
  if (typeof m.input === 'string') components(data, m.input, seen);
  return seen;
}

function checkStages(ctx: Ctx): void {
  const stages = isObj(ctx.data.stages) ? ctx.data.stages : {};
  const deps = new Map<string, string[]>();
  for (const [name, s] of Object.entries(stages)) {
    if (!isObj(s)) continue;
    const at = ['stages', name];
    const needs = Array.isArray(s.needs) ? s.needs.filter((n, i) => ref(ctx, [...at, 'needs', i], n, 'stage', ctx.stages)) as string[] : [];
    if (needs.includes(name)) error(ctx, [...at, 'needs'], `stage '${name}' needs itself`);
    deps.set(name, needs.filter((n) => n !== name));
    const hasModel = ref(ctx, [...at, 'model'], s.model, 'model', ctx.models);
    const parts = hasModel ? components(ctx.data, s.model as string) : new Set<string>();
    if (isObj(s.init)) {
      for (const [model, from] of Object.entries(s.init)) {
        if (!ref(ctx, [...at, 'init', model], model, 'model', ctx.models)) continue;
        if (hasModel && !parts.has(model)) error(ctx, [...at, 'init', model], `model '${model}' is not part of this stage's model '${String(s.model)}' (its parts: ${[...parts].join(', ')})`);
        if (ref(ctx, [...at, 'init', model], from, 'stage', ctx.stages) && !needsTransitively(stages, name, from as string)) {
          error(ctx, [...at, 'init', model], `init takes weights from stage '${String(from)}', which is not in the needs of '${name}'; add it to stages.${name}.needs`, 'value');
        }
      }
    }
    if (Array.isArray(s.freeze)) s.freeze.forEach((m, i) => ref(ctx, [...at, 'freeze', i], m, 'model', ctx.models));
    for (const part of ['train', 'val'] as const) checkSelection(ctx, [...at, part], s[part]);
    if (s.corrupt !== undefined && s.corrupt !== null) ref(ctx, [...at, 'corrupt'], s.corrupt, 'augment chain', ctx.chains);
    checkKindRules(ctx, name, s);
  }
  reportCycle(ctx, deps, (n) => ['stages', n, 'needs'], 'stages need each other in a cycle');
}

function checkSelection(ctx: Ctx, path: Path, sel: unknown): void {
  if (!isObj(sel)) return;
  const sources = Array.isArray(sel.concat) ? sel.concat.map((s, i) => [[...path, 'concat', i], s] as const) : [[path, sel] as const];
  for (const [at, src] of sources) {
    if (!isObj(src)) continue;
    if (src.augment !== undefined && src.augment !== null) ref(ctx, [...at, 'augment'], src.augment, 'augment chain', ctx.chains);
    if (src.per_class !== undefined && src.per_class !== null && typeof src.fraction === 'number' && src.fraction !== 1) {
      error(ctx, [...at, 'per_class'], `per_class and fraction both select a subset; set one of them (fraction is ${src.fraction})`);
    }
    if (src.stratified === true && (src.fraction === undefined || src.fraction === 1) && (src.per_class ?? null) === null) {
      error(ctx, [...at, 'stratified'], 'stratified only matters with fraction < 1');
    }
    checkSplit(ctx, at, src);
  }
}

function checkSplit(ctx: Ctx, at: Path, src: Obj): void {
  const ds = isObj(ctx.data.dataset) ? ctx.data.dataset : {};
  if (ds.format === 'idx' && isObj(ds.idx) && typeof src.split === 'string' && !(src.split in ds.idx)) {
    error(ctx, [...at, 'split'], `the idx data set has no '${src.split}' split (it has: ${Object.keys(ds.idx).join(', ')}; add it under dataset.idx)`, 'value');
  }
  if (ds.format === 'tiny-imagenet' && src.split === 'test' && src.unlabelled !== true) {
    error(ctx, [...at, 'split'], "Tiny ImageNet's test split has no labels: use it only with unlabelled: true", 'value');
  }
}

function checkKindRules(ctx: Ctx, name: string, s: Obj): void {
  const at = ['stages', name];
  const kind = s.kind;
  if (kind === 'classify' || kind === 'reconstruct') {
    for (const key of ['train', 'epochs', 'optimizer']) {
      if (s[key] === undefined) ctx.out.push({ location: ctx.locate(at), path: formatPath(at), message: `a ${kind} stage needs '${key}'`, about: `${formatPath(at)}#${key}` });
    }
  }
  if (kind === 'evaluate') {
    if (s.val === undefined) error(ctx, at, "an evaluate stage needs 'val' (the images it evaluates)");
    for (const key of ['train', 'epochs', 'optimizer', 'schedule']) if (s[key] !== undefined) error(ctx, [...at, key], `an evaluate stage does not train: remove '${key}'`);
    if (!isObj(s.init) || Object.keys(s.init).length === 0) error(ctx, at, `an evaluate stage needs 'init' naming the stage whose trained '${String(s.model)}' it evaluates`);
  }
  if (s.corrupt !== undefined && s.corrupt !== null && kind !== 'reconstruct') error(ctx, [...at, 'corrupt'], `corrupt applies to reconstruct stages only (this one is ${String(kind)})`);
  if (typeof s.loss === 'string') {
    const ok = kind === 'reconstruct' ? s.loss === 'mse' || s.loss === 'l1' : s.loss === 'cross_entropy';
    if (!ok) error(ctx, [...at, 'loss'], `loss '${s.loss}' does not fit kind '${String(kind)}' (${kind === 'reconstruct' ? 'mse or l1' : 'cross_entropy'})`, 'value');
  }
  if (typeof s.label_smoothing === 'number' && s.label_smoothing > 0 && kind !== 'classify') error(ctx, [...at, 'label_smoothing'], 'label_smoothing applies to classify stages only');
  // batch_size's schema default (64) where it is not written: the check runs on the text as written.
  const batch = typeof s.batch_size === 'number' ? s.batch_size : 64;
  if (typeof s.micro_batch === 'number' && s.micro_batch > batch) {
    error(ctx, [...at, 'micro_batch'], `micro_batch (${s.micro_batch}) is larger than batch_size (${batch}): it would split nothing`, 'value');
  }
  if (isObj(s.optimizer)) checkOptimizer(ctx, [...at, 'optimizer'], s.optimizer);
  if (isObj(s.schedule)) checkSchedule(ctx, [...at, 'schedule'], s.schedule, s);
  if (isObj(s.early_stopping) && typeof s.early_stopping.monitor === 'string' && VAL_METRICS.has(s.early_stopping.monitor) && s.val === undefined) {
    error(ctx, [...at, 'early_stopping', 'monitor'], `early_stopping watches ${s.early_stopping.monitor}, but the stage has no 'val' data`, 'value');
  }
}

function checkOptimizer(ctx: Ctx, at: Path, o: Obj): void {
  if (o.type === 'sgd' && o.nesterov === true && (!(typeof o.momentum === 'number' && o.momentum > 0) || (typeof o.dampening === 'number' && o.dampening !== 0))) {
    error(ctx, [...at, 'nesterov'], 'nesterov needs momentum > 0 and dampening 0 (as torch.optim.SGD)');
  }
}

function checkSchedule(ctx: Ctx, at: Path, sch: Obj, stage: Obj): void {
  if (sch.type === 'cyclic' && typeof sch.base_lr === 'number' && typeof sch.max_lr === 'number' && sch.max_lr < sch.base_lr) {
    error(ctx, [...at, 'max_lr'], `max_lr (${sch.max_lr}) is below base_lr (${sch.base_lr})`, 'value');
  }
  if (sch.type === 'sequential' && Array.isArray(sch.schedules) && Array.isArray(sch.milestones) && sch.milestones.length !== sch.schedules.length - 1) {
    error(ctx, [...at, 'milestones'], `sequential needs one milestone fewer than schedules (${sch.schedules.length} schedules, ${sch.milestones.length} milestones)`);
  }
  if (sch.type === 'reduce_on_plateau' && typeof sch.monitor === 'string' && VAL_METRICS.has(sch.monitor) && stage.val === undefined) {
    error(ctx, [...at, 'monitor'], `reduce_on_plateau watches ${sch.monitor}, but the stage has no 'val' data`, 'value');
  }
  if (Array.isArray(sch.schedules)) {
    sch.schedules.forEach((inner, i) => {
      if (!isObj(inner)) return;
      // As torch's SequentialLR: its parts are epoch schedules stepped without metrics.
      if (inner.type === 'cyclic' || inner.type === 'reduce_on_plateau' || inner.type === 'sequential') {
        error(ctx, [...at, 'schedules', i, 'type'], `sequential cannot hold a ${String(inner.type)} schedule (it chains epoch schedules: step, multistep, exponential, cosine, linear, manual, constant)`, 'value');
      } else checkSchedule(ctx, [...at, 'schedules', i], inner, stage);
    });
  }
}

function checkReport(ctx: Ctx): void {
  const r = ctx.data.report;
  if (!isObj(r)) return;
  if (Array.isArray(r.per_class)) r.per_class.forEach((s, i) => ref(ctx, ['report', 'per_class', i], s, 'stage', ctx.stages));
  if (Array.isArray(r.preview)) r.preview.forEach((c, i) => ref(ctx, ['report', 'preview', i], c, 'augment chain', ctx.chains));
}

function needsTransitively(stages: Obj, from: string, target: string, seen = new Set<string>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  const s = stages[from];
  const needs = isObj(s) && Array.isArray(s.needs) ? (s.needs as unknown[]).filter((n): n is string => typeof n === 'string') : [];
  return needs.includes(target) || needs.some((n) => needsTransitively(stages, n, target, seen));
}

/** Reports each cycle once, at the first of its members in file order, naming the whole loop. */
function reportCycle(ctx: Ctx, deps: ReadonlyMap<string, readonly string[]>, pathOf: (n: string) => Path, what: string): void {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'open') {
      const loop = [...stack.slice(stack.indexOf(n)), n];
      error(ctx, pathOf(loop[0]), `${what}: ${loop.join(' -> ')}`);
      return;
    }
    state.set(n, 'open');
    stack.push(n);
    for (const d of deps.get(n) ?? []) if (deps.has(d)) visit(d);
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of deps.keys()) visit(n);
}
