// Brightness, contrast and saturation as PIL's ImageEnhance does them, which is what torchvision
// calls on PIL images: Image.blend(degenerate, image, factor) against a black image, a grey image
// of the mean luma, or the image's own luma. Blend.c computes in single precision and truncates:
// out = (uint8)((float)a + (float)f * (b - a)), clipped to [0, 255] when f is outside [0, 1].

import { type Image } from '../image.js';

const f32 = Math.fround;

/** One blended value, exactly as Blend.c rounds it. */
function blendValue(a: number, b: number, alpha: number, extrapolate: boolean): number {
  const v = f32(a + f32(alpha * (b - a)));
  if (!extrapolate) return Math.trunc(v);
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
}

/** The 256-entry table of blend(constant, v): brightness and contrast blend with one value. */
function blendTable(constant: number, factor: number): Uint8Array {
  const alpha = f32(factor);
  const extrapolate = !(alpha >= 0 && alpha <= 1);
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    table[v] = alpha === 0 ? constant : alpha === 1 ? v : blendValue(constant, v, alpha, extrapolate);
  }
  return table;
}

function mapValues(img: Image, table: Uint8Array): Image {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = table[img.data[i]];
  return { data, height: img.height, width: img.width, channels: img.channels };
}

/** ITU-R 601-2 luma in PIL's fixed point (Convert.c L24): (19595 R + 38470 G + 7471 B + 2^15) >> 16. */
export function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/** F.adjust_brightness: blend with black. */
export function adjustBrightness(img: Image, factor: number): Image {
  return mapValues(img, blendTable(0, factor));
}

/**
 * F.adjust_contrast: blend with a grey image at the mean luma, rounded as ImageEnhance.Contrast
 * does: int(mean + 0.5), the mean taken over the luma histogram.
 */
export function adjustContrast(img: Image, factor: number): Image {
  return mapValues(img, blendTable(meanLuma(img), factor));
}

export function meanLuma(img: Image): number {
  const { data, channels: c } = img;
  let sum = 0;
  if (c === 1) for (let i = 0; i < data.length; i++) sum += data[i];
  else for (let i = 0; i < data.length; i += c) sum += luma(data[i], data[i + 1], data[i + 2]);
  return Math.floor(sum / (data.length / c) + 0.5);
}

/** F.adjust_saturation: blend each pixel with its own luma (a greyscale image is unchanged). */
export function adjustSaturation(img: Image, factor: number): Image {
  const { data, channels: c } = img;
  const out = new Uint8Array(data.length);
  const alpha = f32(factor);
  if (c === 1 || alpha === 1) out.set(data);
  else {
    const extrapolate = !(alpha >= 0 && alpha <= 1);
    for (let i = 0; i < data.length; i += c) {
      const grey = luma(data[i], data[i + 1], data[i + 2]);
      for (let k = 0; k < 3; k++) out[i + k] = alpha === 0 ? grey : blendValue(grey, data[i + k], alpha, extrapolate);
    }
  }
  return { data: out, height: img.height, width: img.width, channels: c };
}
