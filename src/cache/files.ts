// File primitives every artifact write goes through. A writer either leaves the new file whole
// in place or leaves the old one untouched: bytes go to a temporary name, are fsynced, and the
// name is swapped in by rename (atomic on one file system). A failed write (a full disk, an I/O
// error) removes its temporary file and rethrows, so nothing half-written is ever read back.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

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
