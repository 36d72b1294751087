// ToTensor then Normalize, fused: the one step that leaves uint8. torchvision computes, in
// float32, (v / 255 - mean) / std; there are only 256 inputs per channel, so a table of the
// float32 results gives the same bits as torch at the cost of a lookup per value.

import { type Image } from '../image.js';

/** mean and std per channel, in ToTensor units (0..1); one value applies to every channel. */
export interface NormalizeParams {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** For each channel, the 256 float32 results: table[c * 256 + v]. */
export function normalizeTable(params: NormalizeParams | null, channels: number): Float32Array {
  const f32 = Math.fround;
  const table = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const mean = params ? f32(params.mean[params.mean.length === 1 ? 0 : c]) : 0;
    const std = params ? f32(params.std[params.std.length === 1 ? 0 : c]) : 1;
    for (let v = 0; v < 256; v++) table[c * 256 + v] = f32(f32(f32(v / 255) - mean) / std);
  }
  return table;
}

/**
 * Writes img as float32 HWC into out at offset (e.g. one image's slot in an NHWC batch), through
 * a table from normalizeTable (for null params: plain ToTensor scaling to 0..1).
 */
export function writeFloat32(img: Image, table: Float32Array, out: Float32Array, offset: number): void {
  const { data, channels: c } = img;
  if (c === 3) {
    for (let i = 0; i < data.length; i += 3) {
      out[offset + i] = table[data[i]];
      out[offset + i + 1] = table[256 + data[i + 1]];
      out[offset + i + 2] = table[512 + data[i + 2]];
    }
  } else {
    for (let i = 0; i < data.length; i++) out[offset + i] = table[(i % c) * 256 + data[i]];
  }
}
