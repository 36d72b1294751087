// Channel conversions between decoded images and the channel count a pipeline asks for.

/**
 * RGB -> 'L' exactly as PIL's Image.convert('L') (ITU-R 601-2 luma in 16-bit fixed point):
 * L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, where 19595/65536 = 0.299, 38470/65536 = 0.587,
 * 7471/65536 = 0.114; the three weights sum to 65536, so a grey pixel (v, v, v) maps to v exactly.
 */
export function rgbToLuma(rgb: Uint8Array, out: Uint8Array = new Uint8Array(rgb.length / 3)): Uint8Array {
  for (let i = 0, j = 0; j < out.length; i += 3, j++) {
    out[j] = (rgb[i] * 19595 + rgb[i + 1] * 38470 + rgb[i + 2] * 7471 + 0x8000) >>> 16;
  }
  return out;
}

/** Greyscale -> three equal channels, as PIL's convert('RGB') and torchvision do. */
export function greyToRgb(grey: Uint8Array, out: Uint8Array = new Uint8Array(grey.length * 3)): Uint8Array {
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) {
    const v = grey[i];
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
  }
  return out;
}

/** `pixels` (1 or 3 channels per pixel) written into `out` with `channels` per pixel. */
export function convertChannels(pixels: Uint8Array, from: number, channels: 1 | 3, out: Uint8Array): void {
  if (from === channels) out.set(pixels);
  else if (from === 3 && channels === 1) rgbToLuma(pixels, out);
  else if (from === 1 && channels === 3) greyToRgb(pixels, out);
  else throw new Error(`cannot convert ${from} channels to ${channels}`);
}
