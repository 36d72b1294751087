// Assembling one batch: look items up in the decoded splits, augment each on its own random
// stream, convert to float32 NHWC in [0, 1] and normalise. The same code runs in loader worker
// threads and, with `workers: 0`, on the calling thread, so both give identical bytes.
import { InputError } from '../errors.js';
import type { ChainNormalize, CompileChain, CompiledChain, RawImage, ShapeHint } from './augment-contract.js';
import { augmentRng } from './augment/chain.js';
import { normalizeTable, writeFloat32 } from './augment/functional/normalize.js';
import type { Rng } from './random.js';
import type { NamedChain } from './spec.js';

/** One part of a stage's data as a worker sees it: plain data, the pixels shared, not copied. */
export interface PartData {
  /** The whole decoded split (a SharedArrayBuffer view): count x height x width x channels. */
  readonly images: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** The split's labels (by split position); null: none delivered. */
  readonly labels: Int32Array | null;
  /** The part's items: positions in the split. */
  readonly indices: Int32Array;
  readonly augment: NamedChain | null;
}

/** Everything needed to assemble any batch of any epoch. */
export interface BatchPlan {
  readonly parts: readonly PartData[];
  /** Applied to the input only, after the part's own chain (e.g. cutout for reconstruction). */
  readonly corrupt: NamedChain | null;
  /** 'images': also deliver the clean image (before `corrupt`) as the target. */
  readonly targets: 'labels' | 'images';
  readonly seed: number;
  /** The data selection's path in the pipeline, for messages. */
  readonly where: string;
}

export interface Batch {
  /** Inputs, float32 NHWC. */
  readonly x: Float32Array;
  /** Class ids; null when the data is unlabelled. */
  readonly y: Int32Array | null;
  /** The clean images (same layout as x) when targets are images; else null. */
  readonly target: Float32Array | null;
  readonly shape: readonly [number, number, number, number];
}

/** The streams item `item` of epoch `epoch` draws from: fixed by (seed, epoch, item) alone. */
export function augmentStream(seed: number, epoch: number, item: number): Rng {
  return augmentRng(seed, epoch, item, 'augment');
}
export function corruptStream(seed: number, epoch: number, item: number): Rng {
  return augmentRng(seed, epoch, item, 'corrupt');
}

export class BatchAssembler {
  private readonly chains: readonly (CompiledChain | null)[];
  private readonly corrupt: CompiledChain | null;
  private readonly offsets: readonly number[];
  private readonly normalize: ChainNormalize | null;
  private readonly labelled: boolean;

  constructor(
    private readonly plan: BatchPlan,
    compile: CompileChain | null,
  ) {
    const compileSteps = (chain: NamedChain | null, input: ShapeHint) => {
      if (chain === null) return null;
      if (compile === null) throw new Error('a chain needs a compileChain module');
      return compile(chain.steps, { path: `augment.${chain.name}`, input });
    };
    this.chains = plan.parts.map((p) => compileSteps(p.augment, { height: p.height, width: p.width, channels: p.channels }));
    const shapes = plan.parts.map((p, i) => outputShape(this.chains[i], { height: p.height, width: p.width, channels: p.channels }));
    this.corrupt = compileSteps(plan.corrupt, shapes[0] ?? { height: null, width: null, channels: null });
    checkPartShapes(shapes, plan);
    this.normalize = agreedNormalize(this.chains, plan.where);
    if (this.corrupt?.normalize) {
      throw new InputError([{ path: `${plan.where}`, message: 'the corrupt chain must not normalize: the input is normalised like the target, by the data chain' }]);
    }
    this.labelled = BatchAssembler.labelled(plan.parts, plan.where);
    let total = 0;
    this.offsets = plan.parts.map((p) => (total += p.indices.length) - p.indices.length);
  }

  /** Items across all parts, part after part. */
  get size(): number {
    const last = this.plan.parts.length - 1;
    return last < 0 ? 0 : this.offsets[last] + this.plan.parts[last].indices.length;
  }

  /** Whether batches carry labels: every part must agree. */
  static labelled(parts: readonly PartData[], where: string): boolean {
    const labelled = parts.map((p) => p.labels !== null);
    if (labelled.some((l) => l !== labelled[0])) {
      throw new InputError([{ path: where, message: `parts ${labelled.map((l, i) => `${i}: ${l ? 'labelled' : 'unlabelled'}`).join(', ')} disagree: a batch is either labelled or not` }]);
    }
    return labelled[0] ?? false;
  }

  assemble(epoch: number, items: Int32Array): Batch {
    const { plan } = this;
    const inputs: RawImage[] = [];
    const targets: RawImage[] = [];
    const y = this.labelled ? new Int32Array(items.length) : null;
    for (let j = 0; j < items.length; j++) {
      const item = items[j];
      const p = this.partOf(item);
      const part = plan.parts[p];
      const index = part.indices[item - this.offsets[p]];
      const chain = this.chains[p];
      const original = frameOf(part, index);
      const clean = chain ? chain.apply(original, augmentStream(plan.seed, epoch, item)) : original;
      inputs.push(this.corrupt ? this.corrupt.apply(clean, corruptStream(plan.seed, epoch, item)) : clean);
      if (plan.targets === 'images') targets.push(clean);
      if (y) y[j] = (part.labels as Int32Array)[index];
    }
    const shape = this.batchShape(inputs, items);
    return {
      x: toFloat(inputs, shape, this.normalize),
      y,
      target: plan.targets === 'images' ? toFloat(targets, shape, this.normalize) : null,
      shape,
    };
  }

  private partOf(item: number): number {
    let p = this.offsets.length - 1;
    while (p > 0 && this.offsets[p] > item) p--;
    return p;
  }

  /** Every image of a batch must have the first one's size; say which chain broke that. */
  private batchShape(images: readonly RawImage[], items: Int32Array): [number, number, number, number] {
    const first = images[0];
    for (let j = 1; j < images.length; j++) {
      const img = images[j];
      if (img.height !== first.height || img.width !== first.width || img.channels !== first.channels) {
        // Blame a part whose chain can change sizes: the item's own, else the first item's.
        const candidates = [this.partOf(items[j]), this.partOf(items[0])];
        const p = candidates.find((q) => this.chains[q] !== null) ?? candidates[0];
        const where = this.plan.parts.length > 1 ? `${this.plan.where}.concat[${p}]` : this.plan.where;
        throw new InputError([{
          path: where,
          message: `${describeChains(this.plan.parts[p].augment, this.plan.corrupt)} yields images of different sizes in one batch: ${size(first)} and ${size(img)}`,
          hint: 'end the chain with a fixed-size step (e.g. a crop or resize)',
        }]);
      }
    }
    return [images.length, first.height, first.width, first.channels];
  }
}

function frameOf(part: PartData, index: number): RawImage {
  const frame = part.height * part.width * part.channels;
  return { data: part.images.subarray(index * frame, (index + 1) * frame), height: part.height, width: part.width, channels: part.channels };
}

/**
 * uint8 -> float32 NHWC: (u / 255 - mean_c) / std_c in float32 as torchvision's ToTensor +
 * Normalize compute it; 256 inputs per channel, so a table of the results gives torch's bits.
 */
function toFloat(images: readonly RawImage[], shape: readonly number[], normalize: ChainNormalize | null): Float32Array {
  const table = normalizeTable(normalize, shape[3]);
  const frame = shape[1] * shape[2] * shape[3];
  const out = new Float32Array(images.length * frame);
  images.forEach((img, j) => writeFloat32(img, table, out, j * frame));
  return out;
}

function outputShape(chain: CompiledChain | null, input: ShapeHint): ShapeHint | null {
  if (chain === null) return input;
  return chain.outputShape ? chain.outputShape(input) : null;
}

/** Parts whose chains are known to give different sizes can never share a batch: say so at once. */
function checkPartShapes(shapes: readonly (ShapeHint | null)[], plan: BatchPlan): void {
  const known = shapes.map((s, i) => ({ s, i })).filter((k): k is { s: ShapeHint; i: number } =>
    k.s !== null && k.s.height !== null && k.s.width !== null && k.s.channels !== null);
  const clash = known.find((k) => k.s.height !== known[0].s.height || k.s.width !== known[0].s.width || k.s.channels !== known[0].s.channels);
  if (!clash) return;
  const describe = ({ s, i }: { s: ShapeHint; i: number }) =>
    `concat[${i}] (${plan.parts[i].augment ? `augment chain '${plan.parts[i].augment?.name}'` : 'no chain'}) gives ${s.height}x${s.width}x${s.channels}`;
  throw new InputError([{
    path: plan.where,
    message: `the parts give images of different sizes: ${describe(known[0])}, ${describe(clash)}`,
    hint: 'every part of a concat must end at one size (e.g. crop or resize the originals too)',
  }]);
}

/** One normalisation for the whole batch: concat parts must not normalise differently. */
function agreedNormalize(chains: readonly (CompiledChain | null)[], where: string): ChainNormalize | null {
  const all = chains.map((c) => c?.normalize ?? null);
  const key = (n: ChainNormalize | null) => (n ? JSON.stringify([n.mean, n.std]) : 'none');
  if (all.some((n) => key(n) !== key(all[0]))) {
    throw new InputError([{
      path: where,
      message: `the parts normalise differently (${all.map((n, i) => `${i}: ${n ? `mean ${JSON.stringify(n.mean)} std ${JSON.stringify(n.std)}` : 'none'}`).join('; ')})`,
      hint: 'give every part a chain ending in the same normalize, or none',
    }]);
  }
  return all[0] ?? null;
}

/** e.g. "augment chain 'densenet'", "augment chain 'densenet' with corrupt chain 'cutout'". */
function describeChains(augment: NamedChain | null, corrupt: NamedChain | null): string {
  const parts = [augment && `augment chain '${augment.name}'`, corrupt && `corrupt chain '${corrupt.name}'`].filter(Boolean);
  return parts.length > 0 ? `the ${parts.join(' with ')}` : 'the data';
}

function size(img: RawImage): string {
  return `${img.height}x${img.width}x${img.channels}`;
}
