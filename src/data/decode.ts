// Decoding: every image of a split into one uint8 NHWC array in a SharedArrayBuffer, so loader
// workers can read it without copies. JPEG/PNG go through sharp; sharp runs each pipeline on
// libuv's thread pool, so keeping a few files in flight from this one thread uses every core.
// Worker threads do not beat it: they share the same pool (bench/data.ts, docs/benchmarks.md ## Data).
// sharp is imported on first use only: a run that finds its split in the cache never loads it.
import { InputError } from '../errors.js';
import { convertChannels } from './pixels.js';
import type { PackedArray } from './readers/reader.js';
import type { OnBadImage } from './spec.js';

/** The fields of `dataset:` that change decoded bytes (all of them are part of the cache key). */
export interface DecodeOptions {
  readonly channels: 1 | 3;
  readonly image_size: readonly [number, number] | null;
  readonly resize: boolean;
  readonly on_bad_image: OnBadImage;
}

export interface SkippedImage {
  /** Position of the file in the split's listing. */
  readonly index: number;
  readonly file: string;
  readonly reason: string;
}

/** A decoded split: `images` holds count x height x width x channels bytes. */
export interface DecodedImages {
  readonly images: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  /** Listing position of each decoded image (all of them unless some were skipped). */
  readonly kept: Int32Array;
  readonly skipped: readonly SkippedImage[];
}

/** `done` files of `total` handled so far, `skipped` of them left out (on_bad_image: skip). */
export type DecodeProgress = (done: number, total: number, skipped: number) => void;

export interface DecodeRun {
  readonly onProgress?: DecodeProgress;
  /** Files in flight at once (libuv's pool runs 4; a queue of more keeps it busy). */
  readonly concurrency?: number;
}

/** The default `concurrency`: see docs/benchmarks.md ## Data for the measurement behind it. */
export const DECODE_CONCURRENCY = 8;

const RESIZE_HINT = 'set dataset.resize: true to resize (bilinear), or dataset.image_size to this size';
const BAD_HINT = 'set dataset.on_bad_image: skip to skip unreadable files and list them';

export async function decodeFiles(files: readonly string[], options: DecodeOptions, run: DecodeRun = {}): Promise<DecodedImages> {
  const [height, width] = options.image_size ?? (await firstImageSize(files, options.on_bad_image));
  const frame = height * width * options.channels;
  const images = new Uint8Array(new SharedArrayBuffer(files.length * frame));
  const ok = new Uint8Array(files.length);
  const skipped: SkippedImage[] = [];
  let next = 0;
  let done = 0;
  // The first failing file in listing order: every file before it was started, so the failure
  // with the lowest index is the same whatever order the lanes finish in.
  const failures: { index: number; error: Error }[] = [];
  const decodeNext = async (): Promise<void> => {
    while (failures.length === 0 && next < files.length) {
      const i = next++;
      try {
        await decodeInto(files[i], options, height, width, images.subarray(i * frame, (i + 1) * frame));
        ok[i] = 1;
      } catch (e) {
        if (e instanceof InputError || options.on_bad_image === 'error') {
          failures.push({ index: i, error: asBadImage(files[i], e) });
        } else skipped.push({ index: i, file: files[i], reason: (e as Error).message });
      }
      run.onProgress?.(++done, files.length, skipped.length);
    }
  };
  const lanes = Math.max(1, Math.min(run.concurrency ?? DECODE_CONCURRENCY, files.length));
  await Promise.all(Array.from({ length: lanes }, decodeNext));
  if (failures.length > 0) throw failures.reduce((a, b) => (b.index < a.index ? b : a)).error;
  return compact(images, ok, frame, { height, width, channels: options.channels, skipped });
}

/** Packed (IDX) images: the same size rules and channel conversion as decoded files. */
export async function convertPacked(packed: PackedArray, options: DecodeOptions, file: string): Promise<DecodedImages> {
  const [height, width] = options.image_size ?? [packed.height, packed.width];
  const sameSize = height === packed.height && width === packed.width;
  if (!sameSize && !options.resize) {
    throw new InputError([{ message: `${file}: images are ${packed.height}x${packed.width}, expected ${height}x${width} (dataset.image_size)`, hint: RESIZE_HINT }]);
  }
  const inFrame = packed.height * packed.width * packed.channels;
  const frame = height * width * options.channels;
  const images = new Uint8Array(new SharedArrayBuffer(packed.count * frame));
  for (let i = 0; i < packed.count; i++) {
    const pixels = packed.data.subarray(i * inFrame, (i + 1) * inFrame);
    const image = sameSize ? { pixels, channels: packed.channels } : await resizeRaw(pixels, packed.height, packed.width, packed.channels, height, width);
    convertChannels(image.pixels, image.channels, options.channels, images.subarray(i * frame, (i + 1) * frame));
  }
  const kept = Int32Array.from({ length: packed.count }, (_, i) => i);
  return { images, count: packed.count, height, width, channels: options.channels, kept, skipped: [] };
}

/** image_size: null takes the first readable image's size (its header only). */
async function firstImageSize(files: readonly string[], onBadImage: OnBadImage): Promise<[number, number]> {
  const sharp = await loadSharp();
  for (const file of files) {
    try {
      const meta = await sharp(file).metadata();
      if (meta.height && meta.width) return [meta.height, meta.width];
    } catch (e) {
      if (onBadImage === 'error') throw asBadImage(file, e);
    }
  }
  throw new InputError([{ message: `none of the ${files.length} image files could be read (first: ${files[0]})` }]);
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
async function resizeRaw(
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

async function loadSharp(): Promise<typeof import('sharp').default> {
  return (await import('sharp')).default;
}

function asBadImage(file: string, e: unknown): Error {
  if (e instanceof InputError) return e;
  return new InputError([{ message: `${file}: cannot decode image (${(e as Error).message})`, hint: BAD_HINT }]);
}

/** Moves the kept frames together (in listing order) when some files were skipped. */
function compact(
  images: Uint8Array,
  ok: Uint8Array,
  frame: number,
  rest: { height: number; width: number; channels: 1 | 3; skipped: SkippedImage[] },
): DecodedImages {
  const kept: number[] = [];
  ok.forEach((good, i) => {
    if (!good) return;
    if (kept.length !== i) images.copyWithin(kept.length * frame, i * frame, (i + 1) * frame);
    kept.push(i);
  });
  const skipped = [...rest.skipped].sort((a, b) => a.index - b.index);
  if (kept.length === 0) {
    throw new InputError([{ message: `every one of the ${ok.length} images failed to decode (first: ${skipped[0]?.file}: ${skipped[0]?.reason})` }]);
  }
  return {
    images: images.subarray(0, kept.length * frame),
    count: kept.length,
    height: rest.height,
    width: rest.width,
    channels: rest.channels,
    kept: Int32Array.from(kept),
    skipped,
  };
}
