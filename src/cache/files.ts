// File primitives every artifact write goes through. A writer either leaves the new file whole
// in place or leaves the old one untouched: bytes go to a temporary name, are fsynced, and the
// name is swapped in by rename (atomic on one file system). A failed write (a full disk, an I/O
// error) removes its temporary file and rethrows, so nothing half-written is ever read back.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function writeAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at, bytes.byteLength - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dirname(path));
}

/** Makes a rename in `dir` durable (the directory entry itself is data that can be lost). */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  }
}

export interface FileSum {
  readonly size: number;
  readonly sha256: string;
}

export function fileSum(path: string): FileSum {
  const bytes = readFileSync(path);
  return { size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Why `path` does not match `sum` (missing, truncated or grown, altered), or null when it does. */
export function sumProblem(path: string, sum: FileSum): string | null {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 'is missing';
  if (st.size !== sum.size) return `has ${st.size} bytes, ${sum.size} were written (truncated or altered)`;
  if (fileSum(path).sha256 !== sum.sha256) return 'does not match its checksum (altered)';
  return null;
}

/** Names of temporaries: `<name>.tmp-<pid>` (writeAtomic, checkpoint folders) and
 *  `<name>.tmp-<pid>-<random>` (the decode cache). */
const TEMPORARY = /\.tmp-(\d+)(-[0-9a-z]+)?$/;

export interface StaleTemporary {
  readonly path: string;
  readonly bytes: number;
}

/** The temporaries in `dir` and its sub-folders whose writing process is gone (a live writer's
 *  are not listed). */
export function staleTemporaries(dir: string): StaleTemporary[] {
  const found: StaleTemporary[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    const pid = TEMPORARY.exec(e.name)?.[1];
    if (pid !== undefined && !processAlive(Number(pid))) found.push({ path, bytes: treeBytes(path) });
    else if (e.isDirectory()) found.push(...staleTemporaries(path));
  }
  return found;
}

/** Removes staleTemporaries(dir); returns them. */
export function removeStaleTemporaries(dir: string): StaleTemporary[] {
  const found = staleTemporaries(dir);
  for (const t of found) rmSync(t.path, { recursive: true, force: true });
  return found;
}

/** Whether a process of this host has `pid` (the stores are per host: locks say so). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Bytes of a file, or of every file under a folder. */
export function treeBytes(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, name) => n + treeBytes(join(path, name)), 0);
}
