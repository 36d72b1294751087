// F.adjust_hue on a PIL image: convert RGB -> HSV (8 bits per channel), add
// uint8(hue_factor * 255) to H with wrap-around, convert back. Both conversions are ported from
// PIL's Convert.c with its mix of float and double steps (Math.fround marks each float store), so
// the bytes match; a plain float64 port differs by one level on a few percent of pixels.

import { type Image } from '../image.js';
import { roundHalfAway } from './rounding.js';

const f32 = Math.fround;

function clip8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : v;
}

/** rgb2hsv_row, writing [h, s, v] at `at`. */
export function rgbToHsv(r: number, g: number, b: number, out: Uint8Array, at: number): void {
  const max = Math.max(r, g, b), min = Math.min(r, g, b);
  out[at + 2] = max;
  if (max === min) {
    out[at] = 0;
    out[at + 1] = 0;
    return;
  }
  const cr = max - min;
  const s = f32(cr / max);
  const rc = f32((max - r) / cr), gc = f32((max - g) / cr), bc = f32((max - b) / cr);
  let h = r === max ? f32(bc - gc) : g === max ? f32(2 + rc - bc) : f32(4 + gc - rc);
  h = f32((h / 6 + 1) % 1);
  out[at] = clip8(Math.trunc(h * 255));
  out[at + 1] = clip8(Math.trunc(s * 255));
}

/** hsv2rgb: sector i of six, remainder f, channel values p, q, t rounded half away from zero. */
export function hsvToRgb(h: number, s: number, v: number, out: Uint8Array, at: number): void {
  if (s === 0) {
    out[at] = out[at + 1] = out[at + 2] = v;
    return;
  }
  const i = Math.floor((h * 6) / 255);
  const f = f32((h * 6) / 255 - i);
  const fs = f32(s / 255);
  const p = clip8(roundHalfAway(v * (1 - fs)));
  const q = clip8(roundHalfAway(v * (1 - f32(fs * f))));
  const t = clip8(roundHalfAway(v * (1 - fs * (1 - f))));
  switch (i % 6) {
    case 0: return put(out, at, v, t, p);
    case 1: return put(out, at, q, v, p);
    case 2: return put(out, at, p, v, t);
    case 3: return put(out, at, p, q, v);
    case 4: return put(out, at, t, p, v);
    default: return put(out, at, v, p, q);
  }
}

function put(out: Uint8Array, at: number, r: number, g: number, b: number): void {
  out[at] = r;
  out[at + 1] = g;
  out[at + 2] = b;
}

/** Hue shift by hue_factor in [-0.5, 0.5] of a full turn; greyscale images are returned unchanged. */
export function adjustHue(img: Image, hueFactor: number): Image {
  if (!(hueFactor >= -0.5 && hueFactor <= 0.5)) throw new RangeError(`hue_factor ${hueFactor} is not in [-0.5, 0.5]`);
  const { data, channels: c } = img;
  const out = new Uint8Array(data.length);
  if (c === 1) {
    out.set(data);
    return { data: out, height: img.height, width: img.width, channels: c };
  }
  // numpy's uint8(x) of a float truncates toward zero and wraps, as C does on x86.
  const shift = ((Math.trunc(hueFactor * 255) % 256) + 256) % 256;
  const hsv = new Uint8Array(3);
  for (let i = 0; i < data.length; i += c) {
    rgbToHsv(data[i], data[i + 1], data[i + 2], hsv, 0);
    hsvToRgb((hsv[0] + shift) & 255, hsv[1], hsv[2], out, i);
  }
  return { data: out, height: img.height, width: img.width, channels: c };
}
