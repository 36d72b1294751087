// The content of a data set's files, as keys see it: each file's sha256, named by its path
// relative to the data set's root. A stat cache keeps an unchanged tree from being read again
// (as DVC's state database does): (absolute path, size, mtime in ns, inode, device) -> sha256.
// A file whose stat is unchanged is only stat'ed; any change (an edit, a touch, a copy or a
// re-extraction: a new inode) reads it again, so a touched file costs one read and keeps its hash.
//
// One cache file per data set root, <dir>/<sha256(root)>.json, under the project's outputs
// (outputs/cache/hashes: data folders may be read-only):
//   line 1  {"format":1,"root":<abs root>,"count":N,"sha256":<sha256 of the rest of the file>}
//   rest    [[name, "size mtimeNs ino dev", sha256], ...]
// where root + name is the file's absolute path (nameInDataset: absolute for a file outside it).
// written to a temporary name, fsynced and renamed into place, and only when a file was read. A
// cache that does not parse, fails its checksum or holds a malformed entry is warned about and
// rebuilt, never trusted. Entries of files that are gone or changed are dropped when it is
// written, so it holds at most one entry per file of the tree. Two processes writing the same
// cache: the last rename wins, and the other's new entries are only read again next time.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { inputError } from '../errors.js';
import { writeAtomically, type FileStamp, type Warn } from './cache.js';

/** Bump when the cache file's layout or what a hash covers changes. */
export const HASH_CACHE_FORMAT = 1;

export interface HashCacheOptions {
  /** The stat cache folder (hashCacheIn); null: hash every file, remember nothing. */
  readonly dir: string | null;
  /** Where a damaged cache file is reported. */
  readonly warn: Warn;
}

export interface StampedFiles {
  /** Each listed file's name and sha256, in listing order. */
  readonly stamps: readonly FileStamp[];
  /** Files read (absent from the stat cache or changed since), and their bytes. */
  readonly read: number;
  readonly bytesRead: number;
}

/** The stat cache of an outputs folder: outputs/cache/hashes. */
export function hashCacheIn(outputs: string): string {
  return join(outputs, 'cache', 'hashes');
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
  // Readers list files as root + '/' + a normalised path: the common case without resolve().
  if (file.startsWith(root) && file[root.length] === sep && !file.includes(`${sep}.`)) return file.slice(root.length + 1).split(sep).join('/');
  const rel = relative(resolve(root), resolve(file));
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  return (outside ? resolve(file) : rel).split(sep).join('/');
}

/**
 * Names and content hashes of `files`, from the stat cache where their stat is unchanged. Files
 * are read synchronously, one after another: a Tiny ImageNet file is 2-4 KB, so each costs an
 * open, a read and a close, and a pool of async reads spent more on libuv's thread hops than it
 * gained (5x slower on 2 cores: docs/benchmarks.md).
 */
export function stampFiles(root: string, files: readonly string[], o: HashCacheOptions): StampedFiles {
  const absRoot = resolve(root);
  const cacheFile = o.dir === null ? null : join(o.dir, `${createHash('sha256').update(absRoot).digest('hex')}.json`);
  const known = cacheFile === null ? new Map<string, CacheEntry>() : readHashCache(cacheFile, absRoot, o.warn);
  const names = files.map((f) => nameInDataset(absRoot, f));
  const stats = files.map((f) => listedStat(f));
  const sums: string[] = new Array<string>(files.length);
  const buffer = Buffer.allocUnsafe(1 << 20);
  let read = 0;
  let bytesRead = 0;
  files.forEach((file, i) => {
    const hit = known.get(names[i]);
    if (hit !== undefined && hit.stat === stats[i]) return void (sums[i] = hit.sha256);
    const sum = hashFile(file, buffer);
    sums[i] = sum.sha256;
    read++;
    bytesRead += sum.size;
  });
  if (cacheFile !== null && read > 0) {
    const entries = new Map<string, CacheEntry>();
    // Entries of other splits of the root stay while their files do, unchanged.
    for (const [name, e] of known) if (currentStat(absolutePath(absRoot, name)) === e.stat) entries.set(name, e);
    names.forEach((name, i) => entries.set(name, { stat: stats[i], sha256: sums[i] }));
    writeHashCache(cacheFile, absRoot, entries);
  }
  return { stamps: names.map((name, i) => ({ name, sha256: sums[i] })), read, bytesRead };
}

interface CacheEntry {
  /** `size mtimeNs ino dev`, compared as one string. */
  readonly stat: string;
  readonly sha256: string;
}

/** Every listed file is there: bad input naming the first that is not (what stampFiles checks,
 *  for a caller that hashes nothing). */
export function requireListed(files: readonly string[]): void {
  for (const f of files) listedStat(f);
}

/** The absolute path a name of the cache stands for. */
function absolutePath(root: string, name: string): string {
  return isAbsolute(name) ? name : join(root, ...name.split('/'));
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

/** The sha256 and size of a file's bytes, read in `buffer`-sized pieces (a file of any size). */
function hashFile(path: string, buffer: Buffer): { sha256: string; size: number } {
  const hash = createHash('sha256');
  let size = 0;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw inputError(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, size)) > 0; size += n) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

const SHA256 = /^[0-9a-f]{64}$/;
/** `size mtimeNs ino dev`, as listedStat writes it. */
const STAT = /^\d+ \d+ \d+ \d+$/;

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
    const [name, stat, sha256] = Array.isArray(row) && row.length === 3 ? (row as unknown[]) : [];
    if (typeof name !== 'string' || name === '' || typeof stat !== 'string' || !STAT.test(stat) || typeof sha256 !== 'string' || !SHA256.test(sha256)) return problem('an entry is malformed');
    entries.set(name, { stat, sha256 });
  }
  return entries;
}

function writeHashCache(file: string, root: string, entries: ReadonlyMap<string, CacheEntry>): void {
  const rows = [...entries].map(([name, e]) => [name, e.stat, e.sha256]);
  const body = JSON.stringify(rows);
  const header = { format: HASH_CACHE_FORMAT, root, count: rows.length, sha256: createHash('sha256').update(body).digest('hex') };
  mkdirSync(dirname(file), { recursive: true });
  writeAtomically(file, [Buffer.from(`${JSON.stringify(header)}\n${body}`)]);
}
