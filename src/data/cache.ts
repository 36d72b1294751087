// The decoded-array cache: one entry per (file contents, decode options), so each split is decoded
// with sharp once and later runs read its bytes straight back. The key names each file by its
// path relative to the data set's root and its sha256 (file-hashes.ts; an unchanged tree is only
// stat'ed), so a copied or moved data set finds its decoded bytes, and what is loaded is always
// decoded from exactly the bytes the stage key fingerprints. An entry is two files:
//   <key>.u8    the count x height x width x channels bytes
//   <key>.json  the manifest (shape, skipped files, the data's sha256); written last, so an entry
//               without one was never finished.
// Both are written to a temporary name, fsynced and renamed into place. A manifest that does not
// parse or a data file whose size or sha256 disagrees with it is warned about, deleted and
// counted as a miss. The manifest also lists the split fingerprints (splitPrint: the files and
// the labels) it was loaded for: stage keys hold those, so `pipe cache gc` can tell which entries
// no stage uses.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DecodedImages, DecodeOptions, SkippedImage } from './decode.js';

/** Bump when the stored layout or what decoding produces changes: old entries then never load. */
export const CACHE_FORMAT = 2;

/** One input file as keys see it (file-hashes.ts, stampFiles). */
export interface FileStamp {
  /** Its path relative to the data set's root, '/'-separated (absolute for a file outside it:
   *  nameInDataset). */
  readonly name: string;
  /** The sha256 of its bytes. */
  readonly sha256: string;
}

/** Everything a decoded split depends on; the cache key is the sha256 of its canonical JSON. */
export interface DecodeCacheKey {
  /** CACHE_FORMAT: a new layout or new decode semantics must not read old entries. */
  readonly cacheFormat: number;
  /** Every input file, in listing order, by name and content: an edited, added, removed,
   *  renamed or reordered file changes the key (for IDX: the images and labels files); a touched,
   *  copied or moved one does not. */
  readonly files: readonly FileStamp[];
  /** channels, image_size, resize and on_bad_image: each changes the bytes or which files survive. */
  readonly decode: DecodeOptions;
  /** The decoder and its version (sharp bundles libvips and libjpeg): another one may produce
   *  other pixels from the same JPEG. */
  readonly decoder: string;
}

interface CacheManifest {
  readonly cacheFormat: number;
  readonly key: string;
  /** Files in the listing, so `kept` can be rebuilt from `skipped`. */
  readonly listed: number;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly byteLength: number;
  readonly sha256: string;
  readonly skipped: readonly SkippedImage[];
  /** The split fingerprints (splitPrint) this entry was loaded for; absent in entries of an
   *  older pipe (no stage can be shown to use them). */
  readonly fingerprints?: readonly string[];
}

/** A decoded split in the cache, as `pipe cache gc` sees it. */
export interface ListedDecode {
  readonly hash: string;
  readonly bytes: number;
  readonly count: number;
  readonly fingerprints: readonly string[];
}

export type Warn = (message: string) => void;

/** The key for files (stampFiles) decoded with `decode` by `decoder`. */
export function decodeCacheKey(files: readonly FileStamp[], decode: DecodeOptions, decoder: string): DecodeCacheKey {
  const { channels, image_size, resize, on_bad_image } = decode;
  return { cacheFormat: CACHE_FORMAT, files, decode: { channels, image_size, resize, on_bad_image }, decoder };
}

/** A split's fingerprint, as stage keys hold it: its decode key, labels and class names (for Tiny
 *  ImageNet's val split the labels live in an annotations file, not in the file list). */
export function splitPrint(files: DecodeCacheKey, labels: Int32Array | null, classNames: readonly string[]): string {
  const labelSum = labels === null ? null : createHash('sha256').update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength)).digest('hex');
  return createHash('sha256').update(canonicalJson({ files, labels: labelSum, classNames })).digest('hex');
}

export function cacheKeyHash(key: DecodeCacheKey): string {
  return createHash('sha256').update(canonicalJson(key)).digest('hex');
}

/** `sharp@<version>`, read from its package.json so that computing a key never loads sharp. */
export function sharpDecoder(): string {
  const entry = createRequire(import.meta.url).resolve('sharp');
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = readJson(join(dir, 'package.json')) as { name?: string; version?: string } | null;
    if (pkg?.name === 'sharp') return `sharp@${pkg.version}`;
  }
  return 'sharp@unknown';
}

/** JSON with object keys sorted at every depth, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export class DecodeCache {
  constructor(
    readonly dir: string,
    private readonly warn: Warn,
  ) {}

  /** The entry for `key`, read into a SharedArrayBuffer; null when absent or corrupt (deleted).
   *  `fingerprint` (the split's splitPrint) is added to the entry's list when it lacks it. */
  load(key: DecodeCacheKey, fingerprint?: string): DecodedImages | null {
    const hash = cacheKeyHash(key);
    const manifest = readJson(this.manifestPath(hash)) as CacheManifest | null;
    if (manifest === null) {
      if (statSync(this.manifestPath(hash), { throwIfNoEntry: false })) this.discard(hash, 'manifest does not parse');
      return null;
    }
    const problem = manifestProblem(manifest, hash);
    if (problem) return this.discard(hash, problem);
    const data = new Uint8Array(new SharedArrayBuffer(manifest.byteLength));
    const read = readInto(this.dataPath(hash), data);
    if (read === null) return this.discard(hash, 'data file is missing');
    if (read.size !== manifest.byteLength) return this.discard(hash, `data file has ${read.size} bytes, manifest says ${manifest.byteLength}`);
    if (read.sha256 !== manifest.sha256) return this.discard(hash, 'data checksum does not match the manifest');
    const skippedAt = new Set(manifest.skipped.map((s) => s.index));
    const kept = Int32Array.from({ length: manifest.listed }, (_, i) => i).filter((i) => !skippedAt.has(i));
    if (fingerprint !== undefined && !manifest.fingerprints?.includes(fingerprint)) {
      const fingerprints = [...(manifest.fingerprints ?? []), fingerprint];
      writeAtomically(this.manifestPath(hash), [Buffer.from(JSON.stringify({ ...manifest, fingerprints }, null, 1))]);
    }
    const { count, height, width, channels, skipped } = manifest;
    return { images: data, count, height, width, channels, kept, skipped };
  }

  /** Every complete entry (one with a manifest that parses). */
  list(): ListedDecode[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: ListedDecode[] = [];
    for (const name of names) {
      const hash = /^([0-9a-f]{64})\.json$/.exec(name)?.[1];
      if (hash === undefined) continue;
      const m = readJson(this.manifestPath(hash)) as Partial<CacheManifest> | null;
      const bytes = [this.manifestPath(hash), this.dataPath(hash)].reduce((n, f) => n + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);
      const fingerprints = Array.isArray(m?.fingerprints) ? m.fingerprints.filter((f) => typeof f === 'string') : [];
      out.push({ hash, bytes, count: typeof m?.count === 'number' ? m.count : 0, fingerprints });
    }
    return out;
  }

  remove(hash: string): void {
    // The manifest first: a reader never takes a data file without one for an entry.
    rmSync(this.manifestPath(hash), { force: true });
    rmSync(this.dataPath(hash), { force: true });
  }

  store(key: DecodeCacheKey, decoded: DecodedImages, listed: number, fingerprint?: string): void {
    mkdirSync(this.dir, { recursive: true });
    const hash = cacheKeyHash(key);
    const sha256 = writeAtomically(this.dataPath(hash), [decoded.images]);
    const manifest: CacheManifest = {
      cacheFormat: CACHE_FORMAT,
      key: hash,
      listed,
      count: decoded.count,
      height: decoded.height,
      width: decoded.width,
      channels: decoded.channels,
      byteLength: decoded.images.byteLength,
      sha256,
      skipped: decoded.skipped,
      ...(fingerprint === undefined ? {} : { fingerprints: [fingerprint] }),
    };
    writeAtomically(this.manifestPath(hash), [Buffer.from(JSON.stringify(manifest, null, 1))]);
    fsyncDirectory(this.dir);
  }

  dataPath(hash: string): string {
    return join(this.dir, `${hash}.u8`);
  }

  manifestPath(hash: string): string {
    return join(this.dir, `${hash}.json`);
  }

  private discard(hash: string, reason: string): null {
    this.warn(`decode cache entry ${this.manifestPath(hash)} is corrupt (${reason}): deleted, decoding again`);
    this.remove(hash);
    return null;
  }
}

function manifestProblem(m: CacheManifest, hash: string): string | null {
  if (m.cacheFormat !== CACHE_FORMAT || m.key !== hash) return 'manifest is for another key or format';
  const sizes = [m.listed, m.count, m.height, m.width, m.byteLength];
  if (!sizes.every((n) => Number.isSafeInteger(n) && n >= 0) || !Array.isArray(m.skipped) || typeof m.sha256 !== 'string') {
    return 'manifest fields are missing or malformed';
  }
  if (m.byteLength !== m.count * m.height * m.width * m.channels || m.count + m.skipped.length !== m.listed) {
    return 'manifest sizes disagree';
  }
  const skippedOk = m.skipped.every((s) => s !== null && typeof s === 'object' && Number.isSafeInteger(s.index) && s.index >= 0 && s.index < m.listed && typeof s.file === 'string' && typeof s.reason === 'string');
  if (!skippedOk || new Set(m.skipped.map((s) => s.index)).size !== m.skipped.length) return 'manifest lists malformed skipped files';
  return null;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Reads `path` into `out` (stopping at out's end) and hashes the whole file; null if absent. */
function readInto(path: string, out: Uint8Array): { size: number; sha256: string } | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const hash = createHash('sha256');
    const spill = new Uint8Array(1 << 16);
    let size = 0;
    for (;;) {
      // Chunks of at most 1 GiB: one read call cannot move 2 GiB or more.
      const target = size < out.length ? out.subarray(size, Math.min(out.length, size + (1 << 30))) : spill;
      const n = readSync(fd, target, 0, target.length, size);
      if (n === 0) break;
      hash.update(target.subarray(0, n));
      size += n;
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** Writes `chunks` to a temporary file, fsyncs it and renames it to `path`; returns their sha256. */
export function writeAtomically(path: string, chunks: readonly Uint8Array[]): string {
  const temp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const hash = createHash('sha256');
  const fd = openSync(temp, 'w');
  try {
    for (const chunk of chunks) {
      for (let at = 0; at < chunk.length; ) {
        const part = chunk.subarray(at, Math.min(chunk.length, at + (1 << 30)));
        const n = writeSync(fd, part);
        hash.update(part.subarray(0, n));
        at += n;
      }
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(temp, path);
  return hash.digest('hex');
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
