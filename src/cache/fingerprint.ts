// A split's fingerprint for stage keys: what the decode cache keys on (every file's path, size
// and mtime, the decode options, the decoder), plus the labels and class names, which for
// Tiny ImageNet's val split live in an annotations file rather than in the image list. Reading
// it lists and stats the files but decodes nothing.
import type { ResolvedDataset, ResolvedPipeline, SplitName } from '../config/types.js';
import { decodeCacheKey, sharpDecoder, splitPrint } from '../data/cache.js';
import { readerFor } from '../data/readers/index.js';
import { selectionSources } from '../data/spec.js';

export async function splitFingerprint(dataset: ResolvedDataset, split: SplitName): Promise<string> {
  const listing = await readerFor(dataset.format).list(dataset, split);
  const decoder = listing.images.kind === 'files' || dataset.resize ? sharpDecoder() : 'idx';
  const files = decodeCacheKey(listing.images.files, dataset, decoder);
  return splitPrint(files, listing.labels, listing.classNames);
}

/** Every split some stage of `p` reads. */
export function usedSplits(p: ResolvedPipeline): SplitName[] {
  const splits = new Set<SplitName>();
  for (const s of Object.values(p.stages)) {
    for (const sel of [s.kind === 'evaluate' ? undefined : s.train, s.val]) if (sel) for (const src of selectionSources(sel)) splits.add(src.split);
  }
  return [...splits].sort();
}

/** The fingerprints of the splits `p` reads. */
export async function fingerprints(p: ResolvedPipeline): Promise<Partial<Record<SplitName, string>>> {
  const out: Partial<Record<SplitName, string>> = {};
  for (const split of usedSplits(p)) out[split] = await splitFingerprint(p.dataset, split);
  return out;
}
