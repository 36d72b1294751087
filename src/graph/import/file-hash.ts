// The sha256 of a weights file, for stage keys. Remembered per process by the file's stat (size,
// mtime in ns, inode, device), as the data set's stat cache does: a study checks many trials of one
// pipeline, and hashing a 500 MB file once per trial would cost seconds each.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const known = new Map<string, { stamp: string; sha256: string }>();

export function fileSha256(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const s = fstatSync(fd, { bigint: true });
    const stamp = `${s.size} ${s.mtimeNs} ${s.ino} ${s.dev}`;
    const hit = known.get(file);
    if (hit?.stamp === stamp) return hit.sha256;
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 22);
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
    const sha256 = hash.digest('hex');
    known.set(file, { stamp, sha256 });
    return sha256;
  } finally {
    closeSync(fd);
  }
}
