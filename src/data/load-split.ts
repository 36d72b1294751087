// One split of a data set, decoded: the reader lists it, the cache returns its bytes if files of
// these contents were decoded before with these options, otherwise it is decoded and stored.
import { inputError } from '../errors.js';
import { DecodeCache, decodeCacheKey, sharpDecoder, splitPrint, type DecodeCacheKey, type FileStamp, type Warn } from './cache.js';
import { convertPacked, decodeFiles, type DecodeProgress, type DecodedImages, type SkippedImage } from './decode.js';
import { requireListed, stampFiles, type HashCacheOptions } from './file-hashes.js';
import { readerFor } from './readers/index.js';
import type { SplitListing } from './readers/reader.js';
import type { SplitSummary } from './select.js';
import type { ResolvedDataset, SplitName } from './spec.js';

/** A decoded split. `images` lives in a SharedArrayBuffer so loader workers read it in place. */
export interface ImageSet {
  readonly split: SplitName;
  /** count x height x width x channels uint8, row-major (NHWC). */
  readonly images: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  /** Class id per image; null when the split has no labels. */
  readonly labels: Int32Array | null;
  readonly classNames: readonly string[];
  /** The file each image came from; null for packed formats (IDX). */
  readonly files: readonly string[] | null;
  /** Files left out under `on_bad_image: skip`, with the decoder's reason. */
  readonly skipped: readonly SkippedImage[];
  /** Whether the bytes came from the decode cache (no decoding happened). */
  readonly fromCache: boolean;
}

export interface LoadSplitOptions {
  /** The decode cache folder (a run passes outputs/cache/data); null: decode without caching. */
  readonly cacheDir: string | null;
  readonly onProgress?: DecodeProgress;
  /** Where a corrupt cache entry is reported (default: a `warning:` line on stderr). */
  readonly warn?: Warn;
  /** Files sharp decodes at once (default DECODE_CONCURRENCY). */
  readonly concurrency?: number;
  /** The stat cache of the files' hashes for the decode key (file-hashes.ts; a run passes
   *  outputs/cache/hashes); absent or null: every file is read and hashed. */
  readonly hashDir?: string | null;
}

export interface SplitKeys {
  /** The decode cache's key: the files' names and contents, the decode options, the decoder. */
  readonly key: DecodeCacheKey;
  /** The split's fingerprint as stage keys hold it: the decode key, labels and class names. */
  readonly print: string;
}

/** A listed split's keys, from its files' stamps (stampFiles, stampListings). */
export function splitKeys(dataset: ResolvedDataset, listing: SplitListing, stamps: readonly FileStamp[]): SplitKeys {
  const decoder = listing.images.kind === 'files' || dataset.resize ? sharpDecoder() : 'idx';
  const key = decodeCacheKey(stamps, dataset, decoder);
  return { key, print: splitPrint(key, listing.labels, listing.classNames) };
}

/** The stamps of several listings of one data set, in one pass over the stat cache. */
export function stampListings(dataset: ResolvedDataset, listings: readonly SplitListing[], hashes: HashCacheOptions): FileStamp[][] {
  const { stamps } = stampFiles(dataset.root, listings.flatMap((l) => l.images.files), hashes);
  let at = 0;
  return listings.map((l) => stamps.slice(at, (at += l.images.files.length)));
}

export async function loadSplit(dataset: ResolvedDataset, split: SplitName, options: LoadSplitOptions): Promise<ImageSet> {
  const listing = await readerFor(dataset.format).list(dataset, split);
  const files = listing.images.files;
  if (files.length === 0) throw inputError(`${dataset.root}: the '${split}' split has no images`);
  const warn = options.warn ?? warnOnStderr;
  const dir = options.cacheDir;
  const cache = dir === null ? null : new DecodeCache(dir, warn);
  // The split's fingerprint is recorded in its entry: `pipe cache gc` keeps entries some stage uses.
  if (dir === null) requireListed(files);
  const keys = dir === null ? null : splitKeys(dataset, listing, stampListings(dataset, [listing], { dir: options.hashDir ?? null, warn })[0]);
  const cached = cache !== null && keys !== null ? cache.load(keys.key, keys.print) : null;
  const decoded = cached ?? (await decodeListing(listing, dataset, options));
  // `listed` counts items: the files of an image folder, the images packed in an IDX file.
  const listed = listing.images.kind === 'files' ? files.length : decoded.count + decoded.skipped.length;
  if (cache !== null && keys !== null && cached === null) cache.store(keys.key, decoded, listed, keys.print);
  // An entry may have been decoded from a copy of these files elsewhere: name today's.
  const skipped = listing.images.kind === 'files' ? decoded.skipped.map((s) => ({ ...s, file: files[s.index] })) : decoded.skipped;
  return {
    split,
    images: decoded.images,
    count: decoded.count,
    height: decoded.height,
    width: decoded.width,
    channels: decoded.channels,
    labels: listing.labels === null ? null : decoded.kept.length === listing.labels.length ? listing.labels : pick(listing.labels, decoded.kept),
    classNames: listing.classNames,
    files: listing.images.kind === 'files' ? pick(listing.images.files, decoded.kept) : null,
    skipped,
    fromCache: cached !== null,
  };
}

function warnOnStderr(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

async function decodeListing(listing: SplitListing, dataset: ResolvedDataset, options: LoadSplitOptions): Promise<DecodedImages> {
  const images = listing.images;
  if (images.kind === 'files') return decodeFiles(images.files, dataset, options);
  const packed = await images.read();
  const decoded = await convertPacked(packed, dataset, images.files[0]);
  options.onProgress?.(decoded.count, decoded.count, 0);
  return decoded;
}

function pick<T extends Int32Array | readonly string[]>(items: T, at: Int32Array): T {
  if (items instanceof Int32Array) return at.map((i) => items[i]) as T;
  return Array.from(at, (i) => (items as readonly string[])[i]) as unknown as T;
}

/** Each split a stage's selections name, loaded once. */
export async function loadSplits(
  dataset: ResolvedDataset,
  splits: readonly SplitName[],
  options: LoadSplitOptions,
): Promise<Partial<Record<SplitName, ImageSet>>> {
  const sets: Partial<Record<SplitName, ImageSet>> = {};
  for (const split of new Set(splits)) sets[split] = await loadSplit(dataset, split, options);
  return sets;
}

/** What selection needs to know about a loaded split. */
export function splitSummary(set: ImageSet): SplitSummary {
  return { count: set.count, labels: set.labels, classCount: set.classNames.length };
}
