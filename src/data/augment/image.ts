// The one image type augmentation works on: 8-bit, interleaved channels (HWC), as PIL holds an
// "L" or "RGB" image. Ops return new images and never write into their input, so a caller may
// keep the decoded original (e.g. to add both it and an augmented copy to a data set).

import { JobError } from '../../errors.js';

/** An 8-bit image: rows top to bottom, pixels left to right, channels interleaved (HWC). */
export interface Image {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** 1 (greyscale, PIL "L") or 3 (PIL "RGB"). */
  readonly channels: number;
}

/** What is known about an image's shape before it exists; null where it is not known or varies. */
export interface ImageShape {
  readonly height: number | null;
  readonly width: number | null;
  readonly channels: number | null;
}

export function createImage(height: number, width: number, channels: number): Image {
  return { data: new Uint8Array(height * width * channels), height, width, channels };
}

export function copyImage(img: Image): Image {
  return { data: img.data.slice(), height: img.height, width: img.width, channels: img.channels };
}

/** An image of one colour, as PIL's Image.new(mode, size, color). */
export function solidImage(height: number, width: number, color: Uint8Array): Image {
  const img = createImage(height, width, color.length);
  if (color.every((v) => v === 0)) return img;
  const { data } = img;
  for (let i = 0; i < data.length; i += color.length) data.set(color, i);
  return img;
}

/**
 * A `fill` parameter (one grey level, or one per channel) as a colour for `channels` channels,
 * as torchvision's _parse_fill: a number is repeated, a list must match the channel count, and
 * values are truncated to integers as PIL does for 8-bit modes.
 */
export function fillColor(fill: number | readonly number[], channels: number): Uint8Array {
  const values = typeof fill === 'number' ? new Array<number>(channels).fill(fill) : fill;
  if (values.length !== channels) {
    throw new JobError(`fill has ${values.length} values but the image has ${channels} channel(s)`,
      'give one grey level, or one value per channel');
  }
  return Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.trunc(v))));
}
