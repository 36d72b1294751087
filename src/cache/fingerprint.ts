// A split's fingerprint for stage keys: what the decode cache keys on (every file's path relative
// to the data set's root and the sha256 of its bytes, the decode options, the decoder), plus the
// labels and class names, which for Tiny ImageNet's val split live in an annotations file rather
// than in the image list. Copying, moving or re-extracting a data set keeps it; changing one
// byte of one file changes it. Reading it lists the files and hashes them, or only stats them
// where the stat cache (src/data/file-hashes.ts) knows them; it decodes nothing.
import { dirname } from 'node:path';
import type { ResolvedDataset, ResolvedPipeline, SplitName } from '../config/types.js';
import { hashCacheIn, type HashCacheOptions } from '../data/file-hashes.js';
import { splitKeys, stampListings } from '../data/load-split.js';
import { readerFor } from '../data/readers/index.js';
import type { SplitListing } from '../data/readers/reader.js';
import { selectionSources } from '../data/spec.js';
import type { StageStore } from './store.js';

/** No stat cache: every file is read (for callers without an outputs folder). */
export const NO_HASH_CACHE: HashCacheOptions = { dir: null, warn: (message) => process.stderr.write(`warning: ${message}\n`) };

/** The stat cache of an outputs folder (outputs/cache/hashes), found from its stage store
 *  (outputs/cache/stages). */
export function storeHashCache(store: StageStore): HashCacheOptions {
  return { dir: hashCacheIn(dirname(dirname(store.root))), warn: store.warn };
}

export async function splitFingerprint(dataset: ResolvedDataset, split: SplitName, hashes: HashCacheOptions = NO_HASH_CACHE, listing?: SplitListing): Promise<string> {
  const l = listing ?? (await readerFor(dataset.format).list(dataset, split));
  return splitKeys(dataset, l, stampListings(dataset, [l], hashes)[0]).print;
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

/** The fingerprints of the splits `p` reads (from `listings` where given), their files stamped
 *  together (the stat cache is read and written once). */
export async function fingerprints(p: ResolvedPipeline, hashes: HashCacheOptions = NO_HASH_CACHE, listings?: ReadonlyMap<SplitName, SplitListing>): Promise<Partial<Record<SplitName, string>>> {
  const splits = usedSplits(p);
  const listed = listings ?? (await listUsedSplits(p));
  const stamps = stampListings(p.dataset, splits.map((s) => listed.get(s)!), hashes);
  return Object.fromEntries(splits.map((s, i) => [s, splitKeys(p.dataset, listed.get(s)!, stamps[i]).print]));
}
