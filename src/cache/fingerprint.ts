// A split's fingerprint for stage keys: what the decode cache keys on (every file's path, size
// and mtime, the decode options, the decoder), plus the labels and class names, which for
// Tiny ImageNet's val split live in an annotations file rather than in the image list. Reading
// it lists and stats the files but decodes nothing.
import type { ResolvedDataset, ResolvedPipeline, SplitName } from '../config/types.js';
import { decodeCacheKey, sharpDecoder, splitPrint } from '../data/cache.js';
import { readerFor } from '../data/readers/index.js';
import type { SplitListing } from '../data/readers/reader.js';
import { selectionSources } from '../data/spec.js';

export async function splitFingerprint(dataset: ResolvedDataset, split: SplitName, listing?: SplitListing): Promise<string> {
  const l = listing ?? (await readerFor(dataset.format).list(dataset, split));
  const decoder = l.images.kind === 'files' || dataset.resize ? sharpDecoder() : 'idx';
  const files = decodeCacheKey(l.images.files, dataset, decoder);
  return splitPrint(files, l.labels, l.classNames);
}

/** Every split some stage of `p` (or of `stages`) reads. */
export function usedSplits(p: ResolvedPipeline, stages: readonly string[] = Object.keys(p.stages)): SplitName[] {
  const splits = new Set<SplitName>();
  for (const s of stages.map((name) => p.stages[name])) {
    for (const sel of [s.kind === 'evaluate' ? undefined : s.train, s.val]) if (sel) for (const src of selectionSources(sel)) splits.add(src.split);
  }
  return [...splits].sort();
}

/** Each split `p` reads, listed once (nothing decoded): for the keys and the checks before a run. */
export async function listUsedSplits(p: ResolvedPipeline): Promise<Map<SplitName, SplitListing>> {
  const out = new Map<SplitName, SplitListing>();
  for (const split of usedSplits(p)) out.set(split, await readerFor(p.dataset.format).list(p.dataset, split));
  return out;
}

/** The fingerprints of the splits `p` reads (from `listings` where given). */
export async function fingerprints(p: ResolvedPipeline, listings?: ReadonlyMap<SplitName, SplitListing>): Promise<Partial<Record<SplitName, string>>> {
  const out: Partial<Record<SplitName, string>> = {};
  for (const split of usedSplits(p)) out[split] = await splitFingerprint(p.dataset, split, listings?.get(split));
  return out;
}
