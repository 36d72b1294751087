// Replays every case of test/fixtures/augment/goldens.json (torchvision 0.14 on Pillow 9.4, made
// by scripts/make-augment-goldens.py) through the fixed-parameter functions, without Python.
// Everything must match exactly except the Gaussian blur, whose float32 sums in torch can round
// a value lying within ~1e-4 of a half the other way: at most 1 level, on at most 0.5% of values.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as F from '../../../src/data/augment/functional/index.js';
import { fillColor, type Image } from '../../../src/data/augment/image.js';

interface Encoded { height: number; width: number; channels: number; dtype: 'uint8' | 'float32'; data: string }
interface GoldenCase { fn: string; image: string; params: Record<string, unknown>; expected: Encoded }
interface Goldens { versions: Record<string, string>; images: Record<string, Encoded>; cases: GoldenCase[] }

const goldens = JSON.parse(readFileSync(new URL('../../fixtures/augment/goldens.json', import.meta.url), 'utf8')) as Goldens;

function decode(e: Encoded): Image {
  const bytes = Buffer.from(e.data, 'base64');
  return { data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), height: e.height, width: e.width, channels: e.channels };
}

type P = Record<string, never>;
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1]] : [v as number, v as number]);
const sizeOf = (v: unknown): number[] => (Array.isArray(v) ? v : [v as number]);

/** Runs one case the way its torchvision call reads. */
function run(fn: string, p: P, img: Image): Image | Float32Array {
  const fill = (): Uint8Array => fillColor(p.fill, img.channels);
  switch (fn) {
    case 'hflip': return F.hflip(img);
    case 'vflip': return F.vflip(img);
    case 'crop': return F.crop(img, p.top, p.left, p.height, p.width);
    case 'center_crop': return F.centerCrop(img, ...pair(p.output_size));
    case 'pad': return F.pad(img, F.parsePadding(p.padding), fill(), p.padding_mode);
    case 'rotate': return F.rotate(img, p.angle, { interpolation: p.interpolation, expand: p.expand, center: p.center, fill: fill() });
    case 'affine': return F.affine(img, { angle: p.angle, translate: p.translate, scale: p.scale, shear: p.shear }, { interpolation: p.interpolation, fill: fill(), center: p.center });
    case 'gaussian_blur': return F.gaussianBlur(img, pair(p.kernel_size), pair(p.sigma));
    case 'adjust_brightness': return F.adjustBrightness(img, p.brightness_factor);
    case 'adjust_contrast': return F.adjustContrast(img, p.contrast_factor);
    case 'adjust_saturation': return F.adjustSaturation(img, p.saturation_factor);
    case 'adjust_hue': return F.adjustHue(img, p.hue_factor);
    case 'resize': return F.resize(img, ...F.resizedSize(img.height, img.width, sizeOf(p.size)), p.interpolation);
    case 'normalize': {
      const out = new Float32Array(img.data.length);
      F.writeFloat32(img, F.normalizeTable({ mean: p.mean, std: p.std }, img.channels), out, 0);
      return out;
    }
    default: throw new Error(`no runner for ${fn}`);
  }
}

/** Differences between two uint8 images of the same shape: how many values, and the largest. */
function diff(a: Uint8Array, b: Uint8Array): { count: number; max: number } {
  let count = 0, max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d) count++;
    if (d > max) max = d;
  }
  return { count, max };
}

describe('goldens from torchvision', () => {
  it('were made by the pinned versions', () => {
    expect(goldens.versions).toMatchObject({ torchvision: '0.14.1a0', pillow: '9.4.0' });
    expect(goldens.cases.length).toBeGreaterThan(200);
  });

  const label = (c: GoldenCase): string => `${c.fn} ${JSON.stringify(c.params)} on ${c.image}`;
  const exact = goldens.cases.filter((c) => c.fn !== 'gaussian_blur');
  it.each(exact.map((c) => [label(c), c] as const))('%s', (_, c) => {
    const out = run(c.fn, c.params as P, decode(goldens.images[c.image]));
    if (out instanceof Float32Array) {
      const bytes = Buffer.from(c.expected.data, 'base64');
      expect(Array.from(out)).toEqual(Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))));
      return;
    }
    const expected = decode(c.expected);
    expect([out.height, out.width, out.channels]).toEqual([expected.height, expected.width, expected.channels]);
    expect(diff(out.data, expected.data)).toEqual({ count: 0, max: 0 });
  });

  const blurs = goldens.cases.filter((c) => c.fn === 'gaussian_blur');
  it.each(blurs.map((c) => [label(c), c] as const))('%s (within 1 level on 0.5% of values)', (_, c) => {
    const out = run(c.fn, c.params as P, decode(goldens.images[c.image])) as Image;
    const expected = decode(c.expected);
    const d = diff(out.data, expected.data);
    expect(d.max).toBeLessThanOrEqual(1);
    expect(d.count).toBeLessThanOrEqual(Math.floor(0.005 * expected.data.length));
  });
});
