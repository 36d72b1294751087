// The safetensors format (huggingface/safetensors), read strictly: an 8-byte little-endian header
// length N, N bytes of a JSON object {name: {dtype, shape, data_offsets: [begin, end]}, and an
// optional "__metadata__": {string: string}}, then the tensors' raw little-endian bytes, offsets
// counted from the end of the header. As the reference reader, it refuses a header over 100 MB,
// offsets that leave holes, overlap or run past the file, and a byte range that is not
// shape * itemsize. Floats (F64, F32, F16, BF16) load as Float32Array; other dtypes are listed
// (PyTorch's int64 num_batches_tracked) but do not load as weights. The header is read alone, so
// checking a pipeline against a 500 MB file reads a few kilobytes; tensors are read one by one.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

/** The reference implementation's limit on the JSON header. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of each dtype the format defines. */
const ITEM_SIZE: Readonly<Record<string, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, U64: 8, I32: 4, U32: 4, I16: 2, U16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };
export const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;

export interface TensorEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte range in the data section (after the header). */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly file: string;
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Where the data section starts in the file: 8 + the header's length. */
  readonly dataStart: number;
}

/** A file that is not valid safetensors, or a tensor that cannot load; names the file and tensor. */
export class SafetensorsError extends Error {
  constructor(
    readonly file: string,
    readonly tensor: string | null,
    why: string,
  ) {
    super(`${file}: ${tensor === null ? '' : `tensor ${quote(tensor)}: `}${why}`);
    this.name = 'SafetensorsError';
  }
}

/** A name as messages print it: JSON-quoted, so control characters and quotes stay visible. */
export function quote(name: string): string {
  const q = JSON.stringify(name);
  return q.length > 120 ? `${q.slice(0, 100)}..." (${name.length} characters)` : q;
}

/** Reads and checks the header of `file` (its 8-byte length and JSON), not the tensors. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new SafetensorsError(file, null, `${size} bytes is too short for a safetensors file (the 8-byte header length is missing)`);
    const head = Buffer.alloc(8);
    readSync(fd, head, 0, 8, 0);
    const n = head.readBigUInt64LE(0);
    if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(file, null, `the header is ${n} bytes, over the limit of ${MAX_HEADER_BYTES} (is it a safetensors file?)`);
    if (Number(n) > size - 8) throw new SafetensorsError(file, null, `the header is ${n} bytes but the file has only ${size - 8} after the length`);
    const text = Buffer.alloc(Number(n));
    readSync(fd, text, 0, text.length, 8);
    return parseSafetensorsHeader(file, text, size - 8 - text.length);
  } finally {
    closeSync(fd);
  }
}

/** Checks a header's JSON against the data section's length. */
export function parseSafetensorsHeader(file: string, text: Buffer, dataLength: number): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch (e) {
    throw new SafetensorsError(file, null, `the header is not UTF-8 JSON: ${(e as Error).message}`);
  }
  if (!isObject(json)) throw new SafetensorsError(file, null, 'the header is not a JSON object');
  let metadata: Record<string, string> = {};
  const tensors: TensorEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) throw new SafetensorsError(file, null, '__metadata__ must map names to strings');
      metadata = value as Record<string, string>;
      continue;
    }
    tensors.push(entryOf(file, name, value));
  }
  // The reference layout: tensors packed one after another from offset 0 to the end of the file.
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of tensors) {
    if (t.begin < at) throw new SafetensorsError(file, t.name, `bytes ${t.begin} to ${t.end} overlap the tensor before it (which ends at ${at})`);
    if (t.begin > at) throw new SafetensorsError(file, t.name, `bytes ${t.begin} to ${t.end} leave a hole after byte ${at} (tensors must be packed)`);
    if (t.end > dataLength) throw new SafetensorsError(file, t.name, `bytes ${t.begin} to ${t.end} run past the end of the data (${dataLength} bytes)`);
    at = t.end;
  }
  if (at !== dataLength) throw new SafetensorsError(file, null, `the tensors cover ${at} bytes of data but the file holds ${dataLength} (truncated or padded?)`);
  return { file, tensors: new Map(tensors.map((t) => [t.name, t])), metadata, dataStart: 8 + text.length };
}

function entryOf(file: string, name: string, value: unknown): TensorEntry {
  const bad = (why: string) => new SafetensorsError(file, name, why);
  if (!isObject(value)) throw bad('its entry is not an object {dtype, shape, data_offsets}');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || ITEM_SIZE[dtype] === undefined) throw bad(`unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(ITEM_SIZE).join(', ')})`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) throw bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || (o as number) < 0) || offsets[0] > offsets[1]) {
    throw bad(`data_offsets ${JSON.stringify(offsets)} is not [begin, end] with 0 <= begin <= end`);
  }
  let bytes = BigInt(ITEM_SIZE[dtype]);
  for (const d of shape as number[]) bytes *= BigInt(d);
  const [begin, end] = offsets as [number, number];
  if (bytes !== BigInt(end - begin)) throw bad(`shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${bytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  return { name, dtype, shape: shape as number[], begin, end };
}

/** One tensor's values as float32, in the file's (row-major) order. */
export function readTensor(header: SafetensorsHeader, name: string, fd?: number): Float32Array {
  const t = header.tensors.get(name);
  if (!t) throw new SafetensorsError(header.file, name, 'no such tensor in the file');
  if (!(FLOAT_DTYPES as readonly string[]).includes(t.dtype)) throw new SafetensorsError(header.file, name, `dtype ${t.dtype} does not load as weights (only ${FLOAT_DTYPES.join(', ')})`);
  const own = fd === undefined;
  const handle = fd ?? openSync(header.file, 'r');
  try {
    const bytes = Buffer.alloc(t.end - t.begin);
    const got = readSync(handle, bytes, 0, bytes.length, header.dataStart + t.begin);
    if (got !== bytes.length) throw new SafetensorsError(header.file, name, `the file ended after ${got} of its ${bytes.length} bytes (was it truncated since its header was read?)`);
    const values = toFloat32(t.dtype, bytes);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SafetensorsError(header.file, name, `value ${bad} is ${values[bad]}: weights must be finite`);
    return values;
  } finally {
    if (own) closeSync(handle);
  }
}

/** Opens `file` for several readTensor calls; call the returned close when done. */
export function openTensors(header: SafetensorsHeader): { read: (name: string) => Float32Array; close: () => void } {
  const fd = openSync(header.file, 'r');
  return { read: (name) => readTensor(header, name, fd), close: () => closeSync(fd) };
}

const LITTLE_ENDIAN = endianness() === 'LE';

function toFloat32(dtype: string, b: Buffer): Float32Array {
  const n = b.length / ITEM_SIZE[dtype];
  const out = new Float32Array(n);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN) out.set(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        word.setUint32(0, view.getUint16(2 * i, true) << 16);
        out[i] = word.getFloat32(0);
      }
      return out;
    }
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    default:
      throw new Error(`toFloat32: ${dtype} is not a float dtype`); // readTensor checked it
  }
}

/** IEEE 754 binary16: sign, 5 exponent bits (bias 15), 10 fraction bits; subnormals when the exponent is 0. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
