// Flips, padding and crops, as torchvision.transforms.functional does them on PIL images. They
// move whole pixels, so they are exact. Padding and cropping share one routine: a crop box laid
// over the image extended by a padding rule, so random_crop(padding=10) never builds the padded
// image it crops from.

import { createImage, type Image } from '../image.js';
import { roundHalfEven } from './rounding.js';

export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** Pixels added on each side. */
export interface Padding {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** torchvision's padding forms: n (all sides), [left/right, top/bottom], [left, top, right, bottom]. */
export function parsePadding(padding: number | readonly number[]): Padding {
  if (typeof padding === 'number') return { left: padding, top: padding, right: padding, bottom: padding };
  if (padding.length === 1) return parsePadding(padding[0]);
  if (padding.length === 2) return { left: padding[0], top: padding[1], right: padding[0], bottom: padding[1] };
  if (padding.length === 4) return { left: padding[0], top: padding[1], right: padding[2], bottom: padding[3] };
  throw new RangeError(`padding must have 1, 2 or 4 values, got ${padding.length}`);
}

export function hflip(img: Image): Image {
  const { height, width, channels: c, data } = img;
  const out = createImage(height, width, c);
  const o = out.data;
  const row = width * c;
  for (let y = 0; y < height; y++) {
    let from = y * row, to = from + row - c;
    if (c === 3) {
      for (let x = 0; x < width; x++, from += 3, to -= 3) {
        o[to] = data[from];
        o[to + 1] = data[from + 1];
        o[to + 2] = data[from + 2];
      }
    } else {
      for (let x = 0; x < width; x++, from += c, to -= c) for (let k = 0; k < c; k++) o[to + k] = data[from + k];
    }
  }
  return out;
}

export function vflip(img: Image): Image {
  const { height, width, channels: c, data } = img;
  const out = createImage(height, width, c);
  const row = width * c;
  for (let y = 0; y < height; y++) out.data.set(data.subarray(y * row, (y + 1) * row), (height - 1 - y) * row);
  return out;
}

/**
 * Where index i (possibly outside [0, n)) reads from, or -1 for the fill colour. numpy.pad's
 * modes: reflect mirrors about the edge pixel (period 2n-2), symmetric repeats it (period 2n).
 */
export function sourceIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : n - 1;
    case 'reflect': {
      if (n === 1) return 0;
      const period = 2 * n - 2;
      const j = ((i % period) + period) % period;
      return j < n ? j : period - j;
    }
    case 'symmetric': {
      const period = 2 * n;
      const j = ((i % period) + period) % period;
      return j < n ? j : period - 1 - j;
    }
  }
}

/**
 * The box (top, left, height, width) of `img` padded by `padding` with `mode`, where top/left
 * are in padded coordinates. Pixels outside the padded image, or in constant padding, get
 * `fill`; that also gives PIL's crop(), which fills outside the image with 0.
 */
export function padCrop(
  img: Image,
  padding: Padding,
  mode: PaddingMode,
  fill: Uint8Array,
  top: number,
  left: number,
  height: number,
  width: number,
): Image {
  const { channels: c, data } = img;
  const paddedH = img.height + padding.top + padding.bottom;
  const paddedW = img.width + padding.left + padding.right;
  const cols = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    const px = left + x;
    cols[x] = px < 0 || px >= paddedW ? -1 : sourceIndex(px - padding.left, img.width, mode);
  }
  // Columns inside the image map to one contiguous run of the source row: copied as a block.
  const runStart = Math.min(width, Math.max(0, padding.left - left));
  const runEnd = Math.max(runStart, Math.min(width, padding.left + img.width - left));
  const runFrom = (left + runStart - padding.left) * c;
  const out = createImage(height, width, c);
  const o = out.data;
  const inRow = img.width * c;
  const zeroFill = fill.every((v) => v === 0);
  for (let y = 0; y < height; y++) {
    const py = top + y;
    const sy = py < 0 || py >= paddedH ? -1 : sourceIndex(py - padding.top, img.height, mode);
    const rowAt = y * width * c;
    if (sy < 0) {
      if (!zeroFill) for (let at = rowAt; at < rowAt + width * c; at += c) o.set(fill, at);
      continue;
    }
    const src = sy * inRow;
    if (runEnd > runStart) o.set(data.subarray(src + runFrom, src + runFrom + (runEnd - runStart) * c), rowAt + runStart * c);
    for (let x = 0; x < runStart; x++) borderPixel(o, rowAt + x * c, data, src, cols[x], c, fill, zeroFill);
    for (let x = runEnd; x < width; x++) borderPixel(o, rowAt + x * c, data, src, cols[x], c, fill, zeroFill);
  }
  return out;
}

/** One pixel left or right of the copied run: the fill colour, or the pixel the padding rule names. */
function borderPixel(o: Uint8Array, at: number, data: Uint8Array, src: number, sx: number, c: number, fill: Uint8Array, zeroFill: boolean): void {
  if (sx >= 0) for (let k = 0, from = src + sx * c; k < c; k++) o[at + k] = data[from + k];
  else if (!zeroFill) for (let k = 0; k < c; k++) o[at + k] = fill[k];
}

const NO_PADDING: Padding = { left: 0, top: 0, right: 0, bottom: 0 };

/** F.pad: adds `padding` around the image. */
export function pad(img: Image, padding: Padding, fill: Uint8Array, mode: PaddingMode): Image {
  const h = img.height + padding.top + padding.bottom;
  const w = img.width + padding.left + padding.right;
  return padCrop(img, padding, mode, fill, 0, 0, h, w);
}

/** F.crop: the box at (top, left); outside the image is black, as PIL's crop(). */
export function crop(img: Image, top: number, left: number, height: number, width: number): Image {
  return padCrop(img, NO_PADDING, 'constant', new Uint8Array(img.channels), top, left, height, width);
}

/**
 * F.center_crop. torchvision pads a too-small image with zeros first (left/top get the floor of
 * half the shortfall), then crops at round((size - crop) / 2), Python's round: half to even.
 */
export function centerCrop(img: Image, height: number, width: number): Image {
  let padded = img;
  if (width > img.width || height > img.height) {
    const dw = Math.max(0, width - img.width), dh = Math.max(0, height - img.height);
    const p = { left: dw >> 1, top: dh >> 1, right: (dw + 1) >> 1, bottom: (dh + 1) >> 1 };
    padded = pad(img, p, new Uint8Array(img.channels), 'constant');
    if (padded.width === width && padded.height === height) return padded;
  }
  const top = roundHalfEven((padded.height - height) / 2);
  const left = roundHalfEven((padded.width - width) / 2);
  return crop(padded, top, left, height, width);
}
