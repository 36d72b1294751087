// F.rotate on a PIL image is PIL's Image.rotate(angle, resample, expand, center, fillcolor):
// counter-clockwise degrees about the centre (w/2, h/2) unless `center` is given; with `expand`
// the output grows to hold the whole rotated image.

import { copyImage, createImage, type Image } from '../image.js';
import { roundDecimal } from './rounding.js';
import { type AffineMatrix, type Interpolation, transformAffine } from './transform.js';

export interface RotateOptions {
  readonly interpolation: Interpolation;
  readonly expand: boolean;
  /** Centre of rotation (x, y) in pixels from the top-left corner; null for the image centre. */
  readonly center: readonly [number, number] | null;
  readonly fill: Uint8Array;
}

export function rotate(img: Image, angleDegrees: number, opts: RotateOptions): Image {
  const rest = angleDegrees % 360;
  const angle = rest < 0 ? rest + 360 : rest; // Python's angle % 360.0
  if (opts.center === null) {
    // PIL's exact fast paths, taken only without a centre or translation.
    if (angle === 0) return copyImage(img);
    if (angle === 180) return rotate180(img);
    if ((angle === 90 || angle === 270) && (opts.expand || img.width === img.height)) {
      return angle === 90 ? rotate90(img) : rotate270(img);
    }
  }
  let w = img.width, h = img.height;
  const [cx, cy] = opts.center ?? [w / 2, h / 2];
  // Inverse map (output -> input) of a rotation by +angle: a rotation by -angle. PIL rounds
  // cos and sin to 15 decimals so that multiples of 90 degrees give exact zeros and ones.
  const a = -(angle * (Math.PI / 180));
  const cos = roundDecimal(Math.cos(a), 15), sin = roundDecimal(Math.sin(a), 15);
  const m: [number, number, number, number, number, number] = [cos, sin, 0, roundDecimal(-Math.sin(a), 15), cos, 0];
  const apply = (x: number, y: number): [number, number] => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
  [m[2], m[5]] = apply(-cx, -cy);
  m[2] += cx;
  m[5] += cy;
  if (opts.expand) {
    const corners = [apply(0, 0), apply(w, 0), apply(w, h), apply(0, h)];
    const xs = corners.map((p) => p[0]), ys = corners.map((p) => p[1]);
    const nw = Math.ceil(Math.max(...xs)) - Math.floor(Math.min(...xs));
    const nh = Math.ceil(Math.max(...ys)) - Math.floor(Math.min(...ys));
    [m[2], m[5]] = apply(-(nw - w) / 2, -(nh - h) / 2);
    w = nw;
    h = nh;
  }
  return transformAffine(img, h, w, m as AffineMatrix, opts.interpolation, opts.fill);
}

function rotate180(img: Image): Image {
  const { height: h, width: w, channels: c, data } = img;
  const out = createImage(h, w, c);
  const n = h * w;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) out.data[(n - 1 - i) * c + k] = data[i * c + k];
  }
  return out;
}

/** PIL's ROTATE_90 (counter-clockwise): output (r, c) = input (c, W - 1 - r). */
function rotate90(img: Image): Image {
  const { height: h, width: w, channels: c, data } = img;
  const out = createImage(w, h, c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const to = ((w - 1 - x) * h + y) * c, from = (y * w + x) * c;
      for (let k = 0; k < c; k++) out.data[to + k] = data[from + k];
    }
  }
  return out;
}

/** PIL's ROTATE_270 (clockwise): output (r, c) = input (H - 1 - c, r). */
function rotate270(img: Image): Image {
  const { height: h, width: w, channels: c, data } = img;
  const out = createImage(w, h, c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const to = (x * h + (h - 1 - y)) * c, from = (y * w + x) * c;
      for (let k = 0; k < c; k++) out.data[to + k] = data[from + k];
    }
  }
  return out;
}
