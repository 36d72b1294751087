// Which images of a split a stage uses. Every draw comes from a stream named after the split
// (and class), so a selection depends only on the seed and the split's labels: not on worker
// counts, not on the order sources are listed, not on other classes' sizes.
import { inputError } from '../errors.js';
import { Rng } from './random.js';
import { selectionSources, type AugmentStep, type NamedChain, type ResolvedDataSelection, type ResolvedDataSource, type SplitName } from './spec.js';

/** What selection needs to know about a split: its size and labels. */
export interface SplitSummary {
  readonly count: number;
  /** Class id per image; null when the split has no labels. */
  readonly labels: Int32Array | null;
  readonly classCount: number;
}

/** One source, resolved to image positions in its split. */
export interface SelectedPart {
  readonly split: SplitName;
  /** Ascending positions in the split's decoded images. */
  readonly indices: Int32Array;
  /** Whether labels go with the images (false when dropped or when the split has none). */
  readonly labelled: boolean;
  /** The source's augment chain, looked up by name; null: none. */
  readonly augment: NamedChain | null;
}

/** The pipeline's chains by name (ResolvedPipeline.augment). */
export type ChainTable = Readonly<Record<string, readonly AugmentStep[]>>;

/**
 * The parts of a selection, in order. `where` is the selection's path in the pipeline (e.g.
 * `stages.classify.train`), for messages.
 */
export function selectData(
  selection: ResolvedDataSelection,
  splitOf: (split: SplitName) => SplitSummary,
  where: string,
  chains: ChainTable = {},
): SelectedPart[] {
  const sources = selectionSources(selection);
  return sources.map((source, i) => selectSource(source, splitOf(source.split), 'concat' in selection ? `${where}.concat[${i}]` : where, chains));
}

export function selectSource(source: ResolvedDataSource, split: SplitSummary, where: string, chains: ChainTable = {}): SelectedPart {
  const { fraction, stratified, per_class: perClass, max_images: maxImages, seed } = source;
  if (!(fraction > 0 && fraction <= 1)) throw inputError(`must be in (0, 1], got ${fraction}`, { path: `${where}.fraction` });
  if (perClass !== null && fraction !== 1) {
    throw inputError(`per_class and fraction ${fraction} both choose how many images to take: keep one`, { path: `${where}.per_class` });
  }
  const byClass = stratified || perClass !== null;
  if (byClass && split.labels === null) {
    throw inputError(`the '${source.split}' split has no labels to ${perClass !== null ? 'count per class' : 'stratify by'}`, {
      path: `${where}.${perClass !== null ? 'per_class' : 'stratified'}`,
    });
  }
  let chosen = byClass
    ? takePerClass(split.labels as Int32Array, split.classCount, seed, source.split, (n) => perClass ?? Math.round(fraction * n), where)
    : takeShuffled(all(split.count), Math.round(fraction * split.count), Rng.from(seed, `select/${source.split}`));
  if (maxImages !== null && chosen.length > maxImages) {
    chosen = takeShuffled(chosen, maxImages, Rng.from(seed, `select/${source.split}/cap`));
  }
  if (chosen.length === 0) throw inputError(`selects no images from the '${source.split}' split (${split.count} images)`, { path: where });
  return {
    split: source.split,
    indices: chosen.sort(),
    labelled: !source.unlabelled && split.labels !== null,
    augment: source.augment === null ? null : namedChain(source.augment, chains, `${where}.augment`),
  };
}

/** The steps of chain `name`; an unknown name is bad input listing the known ones. */
export function namedChain(name: string, chains: ChainTable, path: string): NamedChain {
  const steps = Object.hasOwn(chains, name) ? chains[name] : undefined;
  if (steps === undefined) {
    throw inputError(`unknown augment chain '${name}' (known: ${Object.keys(chains).join(', ') || 'none'})`, { path });
  }
  return { name, steps };
}

/** For each class c, `howMany(n_c)` of its images, drawn on the class's own stream. */
function takePerClass(
  labels: Int32Array,
  classCount: number,
  seed: number,
  split: SplitName,
  howMany: (n: number) => number,
  where: string,
): Int32Array {
  const members: number[][] = Array.from({ length: classCount }, () => []);
  labels.forEach((c, i) => members[c].push(i));
  const parts = members.map((m, c) => {
    const want = howMany(m.length);
    if (want > m.length) {
      throw inputError(`asks for ${want} images of class ${c} but the '${split}' split has ${m.length}`, { path: `${where}.per_class` });
    }
    return takeShuffled(Int32Array.from(m), want, Rng.from(seed, `select/${split}/class/${c}`));
  });
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The first `k` of a seeded shuffle of `items` (a uniform sample without replacement). */
function takeShuffled(items: Int32Array, k: number, rng: Rng): Int32Array {
  const copy = items.slice();
  rng.shuffle(copy);
  return copy.slice(0, k);
}

function all(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
