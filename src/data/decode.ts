// Decoding: every image of a split into one uint8 NHWC array in a SharedArrayBuffer, so loader
// workers can read it without copies. JPEG/PNG go through sharp, a few files in flight per
// thread; large splits are decoded by worker threads writing straight into the shared array
// (bench/data.ts measured them against more files in flight on one thread: docs/benchmarks.md,
// ## Data).
import { availableParallelism } from 'node:os';
import { InputError } from '../errors.js';
import { asBadImage, loadSharp, resizeRaw, runLanes, RESIZE_HINT, type DecodeFailure, type DecodeOptions, type DecodeTarget } from './decode-lanes.js';
import type { DecodeWorkerData, DecodeWorkerMessage } from './decode-worker.js';
import { siblingModule, startModuleWorker } from './module-worker.js';
import { convertChannels } from './pixels.js';
import type { PackedArray } from './readers/reader.js';
import type { OnBadImage } from './spec.js';
import { deserializeError } from './thread-errors.js';

export type { DecodeOptions };

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

export type DecodeProgress = (done: number, total: number) => void;

export interface DecodeRun {
  readonly onProgress?: DecodeProgress;
  /** Worker threads; 0 decodes on this thread. Default: one per core for large splits. */
  readonly threads?: number;
  /** Files in flight per thread (libuv's pool has 4 threads). */
  readonly lanes?: number;
}

/** Below this many files, starting workers costs more than it saves. */
const WORKERS_FROM = 500;
const LANES = 2;
const LANES_ALONE = 4;

export async function decodeFiles(files: readonly string[], options: DecodeOptions, run: DecodeRun = {}): Promise<DecodedImages> {
  const [height, width] = options.image_size ?? (await firstImageSize(files, options.on_bad_image));
  const frame = height * width * options.channels;
  const target: DecodeTarget = {
    images: new Uint8Array(new SharedArrayBuffer(files.length * frame)),
    ok: new Uint8Array(new SharedArrayBuffer(files.length)),
    height,
    width,
  };
  const threads = run.threads ?? (files.length >= WORKERS_FROM ? availableParallelism() : 0);
  const failures: DecodeFailure[] = [];
  const skipped: SkippedImage[] = [];
  let done = 0;
  const report = (index: number, failure: DecodeFailure | null): void => {
    if (failure?.fatal) failures.push(failure);
    else if (failure) skipped.push({ index, file: files[index], reason: failure.error.message });
    run.onProgress?.(++done, files.length);
  };
  if (threads === 0) {
    let next = 0;
    const claim = () => (failures.length === 0 && next < files.length ? next++ : null);
    await runLanes(files, options, target, run.lanes ?? LANES_ALONE, claim, report);
  } else {
    await decodeInWorkers(files, options, target, threads, run.lanes ?? LANES, report);
  }
  // Files are claimed in listing order, so every file before the first failing one was decoded
  // or failed too: the failure with the lowest index is the same however the work was split.
  if (failures.length > 0) throw failures.reduce((a, b) => (b.index < a.index ? b : a)).error;
  return compact(target, frame, options.channels, skipped);
}

async function decodeInWorkers(
  files: readonly string[],
  options: DecodeOptions,
  target: DecodeTarget,
  threads: number,
  lanes: number,
  report: (index: number, failure: DecodeFailure | null) => void,
): Promise<void> {
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const data: DecodeWorkerData = { files, options, target, counter, lanes };
  const module = siblingModule(import.meta.url, 'decode-worker');
  const workers = Array.from({ length: threads }, () => startModuleWorker(module, data));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (m: DecodeWorkerMessage) => {
              if ('finished' in m) return resolve();
              const f = m.failure;
              if (f?.fatal) Atomics.store(counter, 1, 1); // the others stop claiming files
              report(m.index, f && { index: m.index, fatal: f.fatal, error: f.fatal ? deserializeError(f.error, 'decode worker') : new Error(f.reason) });
            });
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`decode worker exited (code ${code}) before finishing`)));
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
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

/** Moves the kept frames together (in listing order) when some files were skipped. */
function compact(target: DecodeTarget, frame: number, channels: 1 | 3, skippedAnyOrder: readonly SkippedImage[]): DecodedImages {
  const { images, ok } = target;
  const kept: number[] = [];
  ok.forEach((good, i) => {
    if (!good) return;
    if (kept.length !== i) images.copyWithin(kept.length * frame, i * frame, (i + 1) * frame);
    kept.push(i);
  });
  const skipped = [...skippedAnyOrder].sort((a, b) => a.index - b.index);
  if (kept.length === 0) {
    throw new InputError([{ message: `every one of the ${ok.length} images failed to decode (first: ${skipped[0]?.file}: ${skipped[0]?.reason})` }]);
  }
  return {
    images: images.subarray(0, kept.length * frame),
    count: kept.length,
    height: target.height,
    width: target.width,
    channels,
    kept: Int32Array.from(kept),
    skipped,
  };
}
