// The content of a data set's files, as keys see it: each file's sha256, named by its path
// relative to the data set's root. A stat cache keeps an unchanged tree from being read again
// (as DVC's state database does): (absolute path, size, mtime in ns, inode, device) -> sha256.
// A file whose stat is unchanged is only stat'ed; any change (an edit, a touch, a copy or a
// re-extraction: a new inode) reads it again, so a touched file costs one read and keeps its hash.
//
// One cache file per data set root, <dir>/<sha256(root)>.json, under the project's outputs
// (outputs/cache/data/hashes: data folders may be read-only):
//   line 1  {"format":1,"root":<abs root>,"count":N,"sha256":<sha256 of the rest of the file>}
//   rest    [[path, size, mtimeNs, ino, dev, sha256], ...]
// written to a temporary name, fsynced and renamed into place, and only when a file was read. A
// cache that does not parse, fails its checksum or holds a malformed entry is warned about and
// rebuilt, never trusted. Entries of files that are gone or changed are dropped when it is
// written, so it holds at most one entry per file of the tree. Two processes writing the same
// cache: the last rename wins, and the other's new entries are only read again next time.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, type BigIntStats } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { inputError } from '../errors.js';
import { writeAtomically, type FileStamp, type Warn } from './cache.js';

/** Bump when the cache file's layout or what a hash covers changes. */
export const HASH_CACHE_FORMAT = 1;

/** Files read at once. Reads of small files are syscall-bound, so a few in flight keep libuv's
 *  4 threads busy while this thread hashes; more buys nothing on 2 cores (docs/benchmarks.md). */
export const HASH_CONCURRENCY = 8;

export interface HashCacheOptions {
  /** The stat cache folder (hashCacheOf); null: hash every file, remember nothing. */
  readonly dir: string | null;
  /** Where a damaged cache file is reported. */
  readonly warn: Warn;
  /** Files read at once (default HASH_CONCURRENCY). */
  readonly concurrency?: number;
}

export interface StampedFiles {
  /** Each listed file's name and sha256, in listing order. */
  readonly stamps: readonly FileStamp[];
  /** Files read (absent from the stat cache or changed since), and their bytes. */
  readonly read: number;
  readonly bytesRead: number;
}

/** The stat cache of a decode cache folder: outputs/cache/data/hashes. Inside it, so `pipe cache
 *  gc` clears its writers' temporaries with the decode cache's, and whatever reads decoded data
 *  (a run, a report, a test's own cache folder) finds the hashes with it. */
export function hashCacheOf(decodeCacheDir: string): string {
  return join(decodeCacheDir, 'hashes');
}

/**
 * A listed file's name in keys: its path relative to the data set's root when it lies under the
 * root as listed, else its absolute path. Names are taken as listed, links unresolved: a link
 * inside the root is named where it is and hashed for the bytes it leads to, so copying a tree
 * with its links keeps every name. A file outside the root (an absolute `dataset.idx` path, a
 * `../` one) stays where it is when the data set is copied, so its absolute path is what names
 * it; moving that file changes the key. '/' separates folders on every system.
 */
export function nameInDataset(root: string, file: string): string {
  const rel = relative(resolve(root), resolve(file));
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  return (outside ? resolve(file) : rel).split(sep).join('/');
}

/** Names and content hashes of `files`, from the stat cache where their stat is unchanged. */
export async function stampFiles(root: string, files: readonly string[], o: HashCacheOptions): Promise<StampedFiles> {
  const absRoot = resolve(root);
  const cacheFile = o.dir === null ? null : join(o.dir, `${createHash('sha256').update(absRoot).digest('hex')}.json`);
  const known = cacheFile === null ? new Map<string, CacheEntry>() : readHashCache(cacheFile, absRoot, o.warn);
  const paths = files.map((f) => resolve(f));
  const stats = paths.map((path) => listedStat(path));
  const sums: string[] = new Array<string>(paths.length);
  const misses: number[] = [];
  paths.forEach((path, i) => {
    const hit = known.get(path);
    if (hit !== undefined && hit.stat === stats[i]) sums[i] = hit.sha256;
    else misses.push(i);
  });
  const bytesRead = await hashInPool(paths, misses, sums, o.concurrency ?? HASH_CONCURRENCY);
  if (cacheFile !== null && misses.length > 0) {
    const entries = new Map<string, CacheEntry>();
    // Entries of other splits of the root stay while their files do, unchanged.
    for (const [path, e] of known) if (currentStat(path) === e.stat) entries.set(path, e);
    paths.forEach((path, i) => entries.set(path, { stat: stats[i], sha256: sums[i] }));
    writeHashCache(cacheFile, absRoot, entries);
  }
  return { stamps: paths.map((path, i) => ({ name: nameInDataset(absRoot, path), sha256: sums[i] })), read: misses.length, bytesRead };
}

interface CacheEntry {
  /** `size mtimeNs ino dev`, compared as one string. */
  readonly stat: string;
  readonly sha256: string;
}

/** A listed file's stat as the cache compares it: `size mtimeNs ino dev` (links followed). One
 *  that is gone or cannot be stat'ed is bad input naming it. */
function listedStat(path: string): string {
  let st: BigIntStats | undefined;
  try {
    st = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (e) {
    throw inputError(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (st === undefined) throw inputError(`${path}: file not found (the data set lists it)`);
  return `${st.size} ${st.mtimeNs} ${st.ino} ${st.dev}`;
}

/** The stat of a file the cache remembers, or null when it is gone. */
function currentStat(path: string): string | null {
  try {
    return listedStat(path);
  } catch {
    return null;
  }
}

/** Hashes paths[i] for each i of `which` into sums[i], `concurrency` files in flight; returns the
 *  bytes read. */
async function hashInPool(paths: readonly string[], which: readonly number[], sums: string[], concurrency: number): Promise<number> {
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    const buffer = Buffer.allocUnsafe(1 << 20);
    while (next < which.length) {
      const i = which[next++];
      const { sha256, size } = await hashFile(paths[i], buffer);
      sums[i] = sha256;
      bytes += size;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, which.length)) }, worker));
  return bytes;
}

async function hashFile(path: string, buffer: Buffer): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    const handle = await open(path, 'r');
    try {
      for (let n; (n = (await handle.read(buffer, 0, buffer.length, size)).bytesRead) > 0; size += n) hash.update(buffer.subarray(0, n));
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw inputError(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return { sha256: hash.digest('hex'), size };
}

const SHA256 = /^[0-9a-f]{64}$/;
const DIGITS = /^\d+$/;

/** The cache's entries; a damaged cache is warned about and ignored (it is written anew). */
function readHashCache(file: string, root: string, warn: Warn): Map<string, CacheEntry> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return new Map();
  }
  const problem = (reason: string) => {
    warn(`hash cache ${file} is damaged (${reason}): ignored, hashing the data set's files again`);
    return new Map<string, CacheEntry>();
  };
  const newline = text.indexOf('\n');
  let header: { format?: unknown; root?: unknown; count?: unknown; sha256?: unknown };
  let rows: unknown;
  try {
    header = JSON.parse(text.slice(0, newline)) as typeof header;
    if (header === null || typeof header !== 'object') return problem('its header is not an object');
    if (header.format !== HASH_CACHE_FORMAT || header.root !== root) return problem('it is of another format or data set root');
    if (createHash('sha256').update(text.slice(newline + 1)).digest('hex') !== header.sha256) return problem('checksum does not match: altered or cut short');
    rows = JSON.parse(text.slice(newline + 1));
  } catch {
    return problem('does not parse');
  }
  if (!Array.isArray(rows) || rows.length !== header.count) return problem('entry count does not match its header');
  const entries = new Map<string, CacheEntry>();
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== 6) return problem('an entry is malformed');
    const [path, size, mtimeNs, ino, dev, sha256] = row as unknown[];
    const ok = typeof path === 'string' && isAbsolute(path) && Number.isSafeInteger(size) && (size as number) >= 0 && [mtimeNs, ino, dev].every((v) => typeof v === 'string' && DIGITS.test(v)) && typeof sha256 === 'string' && SHA256.test(sha256);
    if (!ok) return problem('an entry is malformed');
    entries.set(path, { stat: `${size as number} ${mtimeNs as string} ${ino as string} ${dev as string}`, sha256 });
  }
  return entries;
}

function writeHashCache(file: string, root: string, entries: ReadonlyMap<string, CacheEntry>): void {
  const rows = [...entries].map(([path, e]) => {
    const [size, mtimeNs, ino, dev] = e.stat.split(' ');
    return [path, Number(size), mtimeNs, ino, dev, e.sha256];
  });
  const body = JSON.stringify(rows);
  const header = { format: HASH_CACHE_FORMAT, root, count: rows.length, sha256: createHash('sha256').update(body).digest('hex') };
  mkdirSync(dirname(file), { recursive: true });
  writeAtomically(file, [Buffer.from(`${JSON.stringify(header)}\n${body}`)]);
}
