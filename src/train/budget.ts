// Before anything trains or decodes: what each stage that will train needs in memory at the
// least, compared with what holds it. Every term is a lower bound (weights, gradients and the
// optimiser's state; per image of a pass, what each node's forward keeps and the gradient it
// hands back, graph/kept.ts, on the run's backend; the decoded splits as uint8), so what is refused cannot run, and what runs today
// is never refused: an estimate that errs must err towards letting the run try.
import { totalmem } from 'node:os';
import type { ResolvedDataSelection, ResolvedPipeline, ResolvedStage, SplitName } from '../config/types.js';
import { WASM_KINDS } from '../backend/kinds.js';
import type { SplitListing } from '../data/readers/reader.js';
import { selectionSources } from '../data/spec.js';
import type { GraphPlan } from '../graph/analyze.js';
import { activationFloatsPerImage, FLOAT_BYTES, formatBytes } from '../graph/footprint.js';
import type { KeepBackend } from '../graph/kept.js';
import { InputError, type Diagnostic } from '../errors.js';

/** wasm32 addresses 4 GiB: each wasm backend (one per training worker) has at most that. */
export const WASM_HEAP_BYTES = 2 ** 32;

export interface StageFootprint {
  readonly parameters: number;
  /** Weights, their gradients and the optimiser's state per weight, as float32. */
  readonly modelBytes: number;
  /** Images one worker passes forward and backward at once. */
  readonly imagesPerPass: number;
  readonly activationBytesPerImage: number;
}

export interface BudgetContext {
  /** The backend kind the run trains on. */
  readonly backend: string;
  readonly workers: number;
  /** Images listed in each split the run reads (decoded once, held for the whole run); a split
   *  left out is not counted in the data set's size and does not bound a batch. */
  readonly images: Partial<Record<SplitName, number>>;
  /** The machine's memory (default os.totalmem()). */
  readonly memory?: number;
}

/** Floats the optimiser keeps per weight: Adam two moments, RMSprop a square average, SGD a velocity when it has momentum. */
function optimizerSlots(stage: ResolvedStage): number {
  const o = stage.optimizer;
  if (stage.kind === 'evaluate' || o === undefined) return 0;
  if (o.type === 'adam' || o.type === 'adamw') return 2;
  if (o.type === 'rmsprop') return 1;
  return typeof o.momentum === 'number' && o.momentum > 0 ? 1 : 0;
}

/**
 * The fewest images a selection can hold, from each split's listed count: fraction rounded down,
 * max_images, and per_class as if there were a single class (the class count is not known yet).
 * A split whose count is not known does not bound it.
 */
function selectedAtLeast(sel: ResolvedDataSelection, listed: BudgetContext['images']): number {
  return selectionSources(sel).reduce((sum, src) => {
    let n = Math.floor((listed[src.split] ?? Infinity) * src.fraction);
    if (src.max_images !== null) n = Math.min(n, src.max_images);
    if (src.per_class !== null) n = Math.min(n, src.per_class);
    return sum + n;
  }, 0);
}

/** What the backend kind has that changes what a training step keeps (graph/kept.ts). */
export function keepBackend(backend: string): KeepBackend {
  // tfjs-backend-wasm registers no DepthwiseConv2dNativeBackpropInput/Filter (nor does pipe-onednn).
  return { depthwiseGradients: !(WASM_KINDS as readonly string[]).includes(backend) };
}

/** `listed`: when known, a batch holds no more images than the stage's selection can. */
export function stageFootprint(p: ResolvedPipeline, plan: GraphPlan, name: string, workers: number, listed?: BudgetContext['images'], backend = 'wasm'): StageFootprint {
  const stage = p.stages[name];
  const model = plan.models[stage.model];
  const parameters = model.trainable;
  // An evaluate stage holds only the weights; a training one their gradients and state too.
  const copies = stage.kind === 'evaluate' ? 1 : 2 + optimizerSlots(stage);
  const passes = stage.kind === 'evaluate' ? stage.val : stage.train;
  const batch = listed && passes ? Math.max(1, Math.min(stage.batch_size, selectedAtLeast(passes, listed))) : stage.batch_size;
  const share = Math.ceil(batch / workers);
  const nodes = model.parts.flatMap((part) => plan.nodes[part] ?? []);
  return {
    parameters,
    modelBytes: parameters * FLOAT_BYTES * copies,
    imagesPerPass: stage.micro_batch === null ? share : Math.min(stage.micro_batch, share),
    activationBytesPerImage: activationFloatsPerImage(nodes, keepBackend(backend)) * FLOAT_BYTES,
  };
}

/** The decoded splits' bytes: uint8 pixels of each listed image at the size the model takes. */
export function dataBytes(p: ResolvedPipeline, plan: GraphPlan, images: BudgetContext['images']): number {
  const first = Object.values(p.stages)[0];
  const [h, w] = p.dataset.image_size ?? plan.models[first.model].input;
  const perImage = h * w * p.dataset.channels;
  return Object.values(images).reduce((sum, n) => sum + (n ?? 0) * perImage, 0);
}

/** How many images each of `splits` holds, from their listings. */
export function imageCounts(listings: ReadonlyMap<SplitName, SplitListing>, splits: readonly SplitName[]): Partial<Record<SplitName, number>> {
  const out: Partial<Record<SplitName, number>> = {};
  for (const split of splits) {
    const listing = listings.get(split);
    if (!listing) continue;
    // A packed split (IDX) has a label per image; without labels its count is unknown: left out.
    const count = listing.images.kind === 'files' ? listing.images.files.length : listing.labels?.length;
    if (count !== undefined) out[split] = count;
  }
  return out;
}

/** Refuses, before any decoding, a run whose stages cannot fit; names each estimate and what to lower. */
export function checkBudget(p: ResolvedPipeline, plan: GraphPlan, stages: readonly string[], ctx: BudgetContext): void {
  const memory = ctx.memory ?? totalmem();
  const data = dataBytes(p, plan, ctx.images);
  const heap = (WASM_KINDS as readonly string[]).includes(ctx.backend) ? WASM_HEAP_BYTES : Infinity;
  const problems: Diagnostic[] = [];
  for (const name of stages) {
    const f = stageFootprint(p, plan, name, ctx.workers, ctx.images, ctx.backend);
    const pass = f.activationBytesPerImage * f.imagesPerPass;
    const parts = `weights, gradients and optimiser state of ${f.parameters.toLocaleString('en-US')} parameters ${formatBytes(f.modelBytes)}, activations of ${f.imagesPerPass} image${f.imagesPerPass === 1 ? '' : 's'} per pass ${formatBytes(pass)}`;
    const normalises = plan.models[p.stages[name].model].parts.some((part) => (plan.nodes[part] ?? []).some((n) => n.op === 'batchnorm'));
    const fewerImages = (room: number, perHeap: boolean) => {
      const fit = Math.floor(room / f.activationBytesPerImage);
      if (fit < 1) return `lower the model's sizes or the input size (${formatBytes(f.activationBytesPerImage)} per image)`;
      if (!normalises) return `set stages.${name}.micro_batch to ${fit} or less, or lower batch_size`;
      // More workers split the batch without splitting BatchNorm's statistics (each its own heap).
      const workers = Math.ceil(p.stages[name].batch_size / fit);
      const more = perHeap && workers > ctx.workers ? `, or --workers ${workers} (each takes its part of the batch on its own heap, and BatchNorm still normalises by the whole batch)` : '';
      return `set stages.${name}.micro_batch to ${fit} or less (BatchNorm then normalises each piece on its own)${more}, or lower batch_size`;
    };
    const room = (limit: number, perHeap: boolean) => (f.modelBytes >= limit ? `lower the model's sizes (filters, units) or pick an optimiser with less state` : fewerImages(limit - f.modelBytes, perHeap));
    if (f.modelBytes + pass > heap) {
      problems.push({ path: `stages.${name}`, message: `needs at least ${formatBytes(f.modelBytes + pass)} per ${ctx.backend} backend: ${parts}; a wasm heap holds at most ${formatBytes(heap)}`, hint: room(heap, true) });
      continue;
    }
    const need = data + ctx.workers * (f.modelBytes + pass);
    if (need > memory) {
      const which = data >= memory ? `the decoded data set alone is ${formatBytes(data)}: lower dataset.image_size or use fewer images` : room((memory - data) / ctx.workers, false);
      problems.push({
        path: `stages.${name}`,
        message: `needs at least ${formatBytes(need)} of memory, this machine has ${formatBytes(memory)}: the decoded data set ${formatBytes(data)}, and per training worker (${ctx.workers}) ${parts}`,
        hint: which,
      });
    }
  }
  if (problems.length) throw new InputError(problems);
}
