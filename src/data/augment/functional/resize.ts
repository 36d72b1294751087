// F.resize on a PIL image is PIL's Image.resize. Nearest goes through the affine scale path
// (source x = (x + 0.5) * in/out, truncated). Bilinear is PIL's two-pass convolution resampler:
// a triangle filter stretched by the scale when shrinking (that is PIL's antialiasing), weights
// in 22-bit fixed point, each pass rounded to uint8. Both are ported from libImaging
// (Resample.c, Geometry.c), so the output matches PIL exactly, antialiasing included.

import { copyImage, createImage, type Image } from '../image.js';
import { type Interpolation, transformAffine } from './transform.js';

/**
 * torchvision's _compute_resized_output_size: [h, w] is taken as is; a single size sets the
 * shorter edge and the longer one becomes int(size * long / short).
 */
export function resizedSize(height: number, width: number, size: readonly number[]): [number, number] {
  if (size.length === 2) return [size[0], size[1]];
  const short = Math.min(height, width), long = Math.max(height, width);
  const other = Math.trunc((size[0] * long) / short);
  return width <= height ? [other, size[0]] : [size[0], other];
}

export function resize(img: Image, height: number, width: number, interpolation: Interpolation): Image {
  if (height === img.height && width === img.width) return copyImage(img);
  if (interpolation === 'nearest') {
    const m = [img.width / width, 0, 0, 0, img.height / height, 0] as const;
    return transformAffine(img, height, width, m, 'nearest', new Uint8Array(img.channels));
  }
  let out = img;
  if (width !== img.width) out = resampleAxis(out, width, 'x');
  if (height !== img.height) out = resampleAxis(out, height, 'y');
  return out;
}

const PRECISION_BITS = 22;

/** precompute_coeffs + normalize_coeffs_8bpc for the bilinear (triangle) filter. */
function coefficients(inSize: number, outSize: number): { start: Int32Array; count: Int32Array; weights: Int32Array[] } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle's support is 1, stretched when shrinking
  const start = new Int32Array(outSize), count = new Int32Array(outSize);
  const weights: Int32Array[] = [];
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    const w = new Float64Array(xmax);
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * (1 / filterScale));
      w[x] = t < 1 ? 1 - t : 0;
      total += w[x];
    }
    const fixed = new Int32Array(xmax);
    for (let x = 0; x < xmax; x++) {
      const k = total !== 0 ? w[x] / total : w[x];
      fixed[x] = Math.trunc(k < 0 ? -0.5 + k * (1 << PRECISION_BITS) : 0.5 + k * (1 << PRECISION_BITS));
    }
    start[xx] = xmin;
    count[xx] = xmax;
    weights.push(fixed);
  }
  return { start, count, weights };
}

/** One pass along x or y: out = clip8((2^21 + sum in * k) >> 22). */
function resampleAxis(img: Image, outSize: number, axis: 'x' | 'y'): Image {
  const { height: h, width: w, channels: c, data } = img;
  const horizontal = axis === 'x';
  const { start, count, weights } = coefficients(horizontal ? w : h, outSize);
  const out = horizontal ? createImage(h, outSize, c) : createImage(outSize, w, c);
  const outRow = out.width * c;
  // Step between neighbouring source samples, and between the lines the pass runs along.
  const tap = horizontal ? c : w * c;
  for (let line = 0; line < (horizontal ? h : w); line++) {
    for (let p = 0; p < outSize; p++) {
      const k = weights[p];
      const first = horizontal ? line * w * c + start[p] * c : start[p] * w * c + line * c;
      const to = horizontal ? line * outRow + p * c : p * outRow + line * c;
      for (let ch = 0; ch < c; ch++) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let i = 0, at = first + ch; i < count[p]; i++, at += tap) ss += data[at] * k[i];
        const v = ss >> PRECISION_BITS;
        out.data[to + ch] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}
