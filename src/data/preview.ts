// The preview grid (`pipe preview PIPELINE --chain NAME`): n images of a split, each original
// beside one augmented version, like the report's figure of augmented examples. Pairs are laid
// out in rows on a white ground and scaled up (nearest neighbour) so 64-pixel images stay legible.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { inputError } from '../errors.js';
import type { CompiledChain, RawImage } from './augment-contract.js';
import type { ImageSet } from './load-split.js';
import { greyToRgb } from './pixels.js';
import { Rng } from './random.js';

export interface PreviewOptions {
  /** Pairs to show (fewer if the split is smaller). */
  readonly n: number;
  /** Fixes which images are shown and how each is augmented. */
  readonly seed: number;
  /** The PNG to write. */
  readonly out: string;
  /** Pixels per image pixel (default 2). */
  readonly scale?: number;
  /** Pairs per row (default: about square). */
  readonly columns?: number;
}

export interface PreviewResult {
  readonly path: string;
  /** Split positions of the images shown, in grid order. */
  readonly indices: readonly number[];
  readonly width: number;
  readonly height: number;
}

const GAP = 2; // between an original and its augmented version
const MARGIN = 6; // between pairs and around the grid

export async function writePreviewGrid(set: ImageSet, chain: CompiledChain, options: PreviewOptions): Promise<PreviewResult> {
  if (!Number.isInteger(options.n) || options.n < 1) throw inputError(`-n must be a positive integer, got ${options.n}`);
  const order = Int32Array.from({ length: set.count }, (_, i) => i);
  Rng.from(options.seed, 'preview/pick').shuffle(order);
  const indices = Array.from(order.subarray(0, Math.min(options.n, set.count)));
  const frame = set.height * set.width * set.channels;
  const pairs = indices.map((index) => {
    const original: RawImage = { data: set.images.subarray(index * frame, (index + 1) * frame), height: set.height, width: set.width, channels: set.channels };
    return [original, chain.apply(original, Rng.from(options.seed, `preview/${index}`))] as const;
  });
  const augH = Math.max(...pairs.map(([, a]) => a.height));
  const augW = Math.max(...pairs.map(([, a]) => a.width));
  const cellH = Math.max(set.height, augH);
  const cellW = set.width + GAP + augW;
  const columns = options.columns ?? Math.max(1, Math.ceil(Math.sqrt(pairs.length / 2)));
  const rows = Math.ceil(pairs.length / columns);
  const width = MARGIN + columns * (cellW + MARGIN);
  const height = MARGIN + rows * (cellH + MARGIN);
  const canvas = new Uint8Array(width * height * 3).fill(255);
  pairs.forEach(([original, augmented], i) => {
    const top = MARGIN + Math.floor(i / columns) * (cellH + MARGIN);
    const left = MARGIN + (i % columns) * (cellW + MARGIN);
    paste(canvas, width, original, top, left);
    paste(canvas, width, augmented, top, left + set.width + GAP);
  });
  const scale = options.scale ?? 2;
  mkdirSync(dirname(options.out), { recursive: true });
  await sharp(canvas, { raw: { width, height, channels: 3 } })
    .resize({ width: width * scale, height: height * scale, kernel: 'nearest' })
    .png()
    .toFile(options.out);
  return { path: options.out, indices, width: width * scale, height: height * scale };
}

/** Copies `img` (1 or 3 channels) into the RGB canvas at (top, left). */
function paste(canvas: Uint8Array, canvasWidth: number, img: RawImage, top: number, left: number): void {
  const rgb = img.channels === 3 ? img.data : greyToRgb(img.data);
  const row = img.width * 3;
  for (let y = 0; y < img.height; y++) {
    canvas.set(rgb.subarray(y * row, (y + 1) * row), ((top + y) * canvasWidth + left) * 3);
  }
}
