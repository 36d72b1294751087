// Decoding files into their slots of a shared output array, a few at a time. The same code runs
// on the calling thread and in decode workers (decode-worker.ts); which files a lane takes comes
// from `claim`, so the bytes written do not depend on who decoded what.
import { InputError } from '../errors.js';
import { convertChannels } from './pixels.js';
import type { OnBadImage } from './spec.js';

/** The fields of `dataset:` that change decoded bytes (all of them are part of the cache key). */
export interface DecodeOptions {
  readonly channels: 1 | 3;
  readonly image_size: readonly [number, number] | null;
  readonly resize: boolean;
  readonly on_bad_image: OnBadImage;
}

/** Where decoded files go: file i fills images[i * frame, (i + 1) * frame) and sets ok[i] = 1. */
export interface DecodeTarget {
  readonly images: Uint8Array;
  readonly ok: Uint8Array;
  readonly height: number;
  readonly width: number;
}

/** A file that did not decode. `fatal`: stops the split (on_bad_image: error, or a size error). */
export interface DecodeFailure {
  readonly index: number;
  readonly error: Error;
  readonly fatal: boolean;
}

export const RESIZE_HINT = 'set dataset.resize: true to resize (bilinear), or dataset.image_size to this size';
const BAD_HINT = 'set dataset.on_bad_image: skip to skip unreadable files and list them';

/**
 * Runs `lanes` decodes at once until `claim` returns null; reports every file as it finishes
 * (failure null: decoded). sharp runs each decode on libuv's pool, so lanes overlap.
 */
export async function runLanes(
  files: readonly string[],
  options: DecodeOptions,
  target: DecodeTarget,
  lanes: number,
  claim: () => number | null,
  report: (index: number, failure: DecodeFailure | null) => void,
): Promise<void> {
  const frame = target.height * target.width * options.channels;
  const lane = async (): Promise<void> => {
    for (let i = claim(); i !== null; i = claim()) {
      try {
        await decodeInto(files[i], options, target.height, target.width, target.images.subarray(i * frame, (i + 1) * frame));
        target.ok[i] = 1;
        report(i, null);
      } catch (e) {
        const fatal = e instanceof InputError || options.on_bad_image === 'error';
        report(i, { index: i, error: fatal ? asBadImage(files[i], e) : (e as Error), fatal });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
}

async function decodeInto(file: string, options: DecodeOptions, height: number, width: number, out: Uint8Array): Promise<void> {
  const sharp = await loadSharp();
  // sharp outputs sRGB: a greyscale JPEG comes back as three equal channels, alpha is dropped.
  const { data, info } = await sharp(file).removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 && info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
  let image: { pixels: Uint8Array; channels: number } = { pixels: data, channels: info.channels };
  if (info.height !== height || info.width !== width) {
    if (!options.resize) {
      throw new InputError([{ message: `${file}: image is ${info.height}x${info.width}, expected ${height}x${width} (dataset.image_size)`, hint: RESIZE_HINT }]);
    }
    image = await resizeRaw(data, info.height, info.width, info.channels, height, width);
  }
  convertChannels(image.pixels, image.channels, options.channels, out);
}

/** Bilinear resize of raw pixels; sharp may hand one channel back as three (sRGB output). */
export async function resizeRaw(
  pixels: Uint8Array,
  h: number,
  w: number,
  channels: number,
  height: number,
  width: number,
): Promise<{ pixels: Uint8Array; channels: number }> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(pixels, { raw: { height: h, width: w, channels: channels as 1 | 3 } })
    .resize({ height, width, fit: 'fill', kernel: 'linear' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { pixels: data, channels: info.channels };
}

/** sharp is imported on first use only: a run that finds its split in the cache never loads it. */
export async function loadSharp(): Promise<typeof import('sharp').default> {
  return (await import('sharp')).default;
}

export function asBadImage(file: string, e: unknown): Error {
  if (e instanceof InputError) return e;
  return new InputError([{ message: `${file}: cannot decode image (${(e as Error).message})`, hint: BAD_HINT }]);
}
