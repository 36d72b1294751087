// Writes safetensors files for tests: well-formed ones from float arrays, and damaged ones from a
// header object and raw bytes as given (nothing checked, nothing padded).
import { writeFileSync } from 'node:fs';

export interface RawTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** 8-byte little-endian length, the header as given, the data as given. */
export function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Buffer {
  const text = Buffer.from(headerText ?? JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([len, text, data]);
}

/** A valid file: tensors packed in the order given, metadata optional. */
export function safetensors(tensors: Readonly<Record<string, RawTensor>>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.data.length] };
    chunks.push(t.data);
    at += t.data.length;
  }
  return rawSafetensors(header, Buffer.concat(chunks));
}

export function f32(shape: readonly number[], values: readonly number[]): RawTensor {
  return { dtype: 'F32', shape, data: new Uint8Array(new Float32Array(values).buffer) };
}

export function writeSafetensors(file: string, tensors: Readonly<Record<string, RawTensor>>, metadata?: Record<string, string>): string {
  writeFileSync(file, safetensors(tensors, metadata));
  return file;
}
