// The safetensors reader: every float dtype converted exactly, and every kind of damaged or hostile
// file refused with a message naming the file and the tensor.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { halfToFloat, MAX_HEADER_BYTES, readSafetensorsHeader, readTensor } from '../../../src/graph/import/safetensors.js';
import { f32, rawSafetensors, safetensors, writeSafetensors } from '../../helpers/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'pipe-safetensors-'));
let n = 0;
const write = (bytes: Uint8Array): string => {
  const file = join(dir, `f${n++}.safetensors`);
  writeFileSync(file, bytes);
  return file;
};
const bytesOf = (array: ArrayBufferView) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

describe('reading safetensors', () => {
  it('reads F32, F64, F16 and BF16 tensors as float32, the metadata, and lists other dtypes', () => {
    const half = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x8000]); // 1, -2, 0.333..., 2^-24, 65504, -0
    const bf = new Uint16Array([0x3f80, 0xc040, 0x4049]); // 1, -3, 3.140625
    const file = write(safetensors({
      a: f32([2, 2], [1.5, -2, 3.25, 1e-8]),
      b: { dtype: 'F64', shape: [3], data: bytesOf(new Float64Array([0.1, -1e30, 7])) },
      c: { dtype: 'F16', shape: [6], data: bytesOf(half) },
      d: { dtype: 'BF16', shape: [3], data: bytesOf(bf) },
      'bn.num_batches_tracked': { dtype: 'I64', shape: [], data: bytesOf(new BigInt64Array([5n])) },
    }, { format: 'pt' }));
    const h = readSafetensorsHeader(file);
    expect([...h.tensors.keys()]).toEqual(['a', 'b', 'c', 'd', 'bn.num_batches_tracked']);
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.tensors.get('a')).toEqual({ name: 'a', dtype: 'F32', shape: [2, 2], begin: 0, end: 16 });
    expect(readTensor(h, 'a')).toEqual(new Float32Array([1.5, -2, 3.25, 1e-8]));
    expect(readTensor(h, 'b')).toEqual(new Float32Array([0.1, -1e30, 7]));
    expect(Array.from(readTensor(h, 'c'))).toEqual([1, -2, Math.fround(0.333251953125), 2 ** -24, 65504, -0]);
    expect(Array.from(readTensor(h, 'd'))).toEqual([1, -3, 3.140625]);
    expect(() => readTensor(h, 'bn.num_batches_tracked')).toThrow(`${file}: tensor "bn.num_batches_tracked": dtype I64 does not load as weights (only F32, F16, BF16, F64)`);
    expect(() => readTensor(h, 'zz')).toThrow(`${file}: tensor "zz": no such tensor in the file`);
  });

  it('decodes every half-precision class: zero, subnormal, normal, infinity, NaN', () => {
    expect(halfToFloat(0x0000)).toBe(0);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('reads an empty file of tensors and zero-size tensors', () => {
    expect(readSafetensorsHeader(write(safetensors({}))).tensors.size).toBe(0);
    const h = readSafetensorsHeader(write(safetensors({ e: f32([0, 4], []), x: f32([1], [2]) })));
    expect(readTensor(h, 'e')).toEqual(new Float32Array(0));
    expect(readTensor(h, 'x')).toEqual(new Float32Array([2]));
  });

  const huge = Buffer.alloc(8);
  huge.writeBigUInt64LE(2n ** 63n);
  it.each<[string, Uint8Array, string]>([
    ['shorter than the length', new Uint8Array(5), '5 bytes is too short for a safetensors file (the 8-byte header length is missing)'],
    ['a header length of 2^63', huge, `the header is 9223372036854775808 bytes, over the limit of ${MAX_HEADER_BYTES} (is it a safetensors file?)`],
    ['a header longer than the file', rawSafetensors(null, undefined, '{"a": 1}').subarray(0, 12), 'the header is 8 bytes but the file has only 4 after the length'],
    ['text, not JSON', rawSafetensors(null, undefined, 'PK\u0003\u0004 zip?'), 'the header is not UTF-8 JSON: Unexpected token'],
    ['bytes that are not UTF-8', Buffer.concat([rawSafetensors(null, undefined, 'xx').subarray(0, 8), Buffer.from([0xff, 0xfe])]), 'the header is not UTF-8 JSON: The encoded data was not valid for encoding utf-8'],
    ['a JSON list', rawSafetensors([1, 2]), 'the header is not a JSON object'],
    ['metadata that is not strings', rawSafetensors({ __metadata__: { a: 1 } }), '__metadata__ must map names to strings'],
    ['an entry that is not an object', rawSafetensors({ w: 3 }), 'tensor "w": its entry is not an object {dtype, shape, data_offsets}'],
    ['an unknown dtype', rawSafetensors({ w: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, new Uint8Array(16)), 'tensor "w": unknown dtype "F128" (known: F64, F32, F16, BF16, I64, U64, I32, U32, I16, U16, I8, U8, BOOL, F8_E4M3, F8_E5M2)'],
    ['a negative dimension', rawSafetensors({ w: { dtype: 'F32', shape: [-1, 4], data_offsets: [0, 4] } }, new Uint8Array(4)), 'tensor "w": shape [-1,4] is not a list of non-negative integers'],
    ['a fractional dimension', rawSafetensors({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(4)), 'tensor "w": shape [1.5] is not a list of non-negative integers'],
    ['reversed offsets', rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)), 'tensor "w": data_offsets [4,0] is not [begin, end] with 0 <= begin <= end'],
    ['three offsets', rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] } }, new Uint8Array(8)), 'tensor "w": data_offsets [0,4,8] is not [begin, end] with 0 <= begin <= end'],
    ['a shape its bytes do not hold', rawSafetensors({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, new Uint8Array(20)), 'tensor "w": shape [2, 3] of F32 needs 24 bytes but data_offsets [0, 20] hold 20'],
    ['a shape whose size overflows', rawSafetensors({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, new Uint8Array(4)), 'tensor "w": shape [1099511627776, 1099511627776] of F32 needs 4835703278458516698824704 bytes but data_offsets [0, 4] hold 4'],
    ['overlapping tensors', rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)), 'tensor "b": bytes 4 to 12 overlap the tensor before it (which ends at 8)'],
    ['a hole between tensors', rawSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12)), 'tensor "b": bytes 8 to 12 leave a hole after byte 4 (tensors must be packed)'],
    ['offsets past the end (truncated)', rawSafetensors({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(10)), 'tensor "a": bytes 0 to 16 run past the end of the data (10 bytes)'],
    ['bytes after the last tensor', rawSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(9)), 'the tensors cover 4 bytes of data but the file holds 9 (truncated or padded?)'],
    ['a hostile name in a bad entry', rawSafetensors({ 'x"\n\u0000/../../etc/passwd': { dtype: 'F32', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), 'tensor "x\\"\\n\\u0000/../../etc/passwd": shape [1] of F32 needs 4 bytes but data_offsets [0, 8] hold 8'],
  ])('refuses %s', (_name, bytes, message) => {
    const file = write(bytes);
    expect(() => readSafetensorsHeader(file)).toThrow(`${file}: ${message}`);
  });

  it('shortens a very long tensor name in messages', () => {
    const name = 'w'.repeat(5000);
    const file = write(rawSafetensors({ [name]: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)));
    expect(() => readSafetensorsHeader(file)).toThrow(`${file}: tensor "${'w'.repeat(99)}..." (5000 characters): shape [2] of F32 needs 8 bytes but data_offsets [0, 4] hold 4`);
  });

  it('refuses weights that are not finite, and a file truncated after its header was read', () => {
    const file = writeSafetensors(join(dir, 'nan.safetensors'), { ok: f32([2], [1, 2]), w: f32([3], [1, NaN, 2]) });
    const h = readSafetensorsHeader(file);
    expect(() => readTensor(h, 'w')).toThrow(`${file}: tensor "w": value 1 is NaN: weights must be finite`);
    writeFileSync(file, safetensors({ ok: f32([1], [1]) }));
    expect(() => readTensor(h, 'w')).toThrow(`${file}: tensor "w": the file ended after 0 of its 12 bytes (was it truncated since its header was read?)`);
  });
});
