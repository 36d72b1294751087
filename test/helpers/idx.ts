// Writes MNIST-style IDX files (uint8 values, optionally gzipped) for the idx reader's tests.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** The bytes of an IDX file: 0, 0, type 0x08 (uint8), #dims, big-endian uint32 dims, values. */
export function idxBytes(dims: readonly number[], values: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, values]);
}

export function writeIdx(path: string, dims: readonly number[], values: Uint8Array, gzip = path.endsWith('.gz')): void {
  const bytes = idxBytes(dims, values);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
}
