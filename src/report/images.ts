// The report's pictures: example validation images of a class (thumbnails written with sharp)
// and the augmentation preview grid of a chain (src/data/preview.ts). Both need the decoded data
// set; a run moved away from its data still gets a report, with a line saying why it has no
// pictures.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ResolvedPipeline, SplitName } from '../config/types.js';
import type { ImageSet } from '../data/load-split.js';
import { InputError } from '../errors.js';

/** Thumbnails are scaled up (nearest neighbour) to about this many pixels a side. */
const THUMB = 96;

/** Decoded splits, each loaded once per report. */
export class SplitImages {
  private readonly sets = new Map<string, Promise<ImageSet>>();

  /** The split, or why it cannot be shown (a sentence, e.g. `the val split could not be read (...)`). */
  async get(pipeline: ResolvedPipeline, split: SplitName, runDir: string): Promise<ImageSet | { unavailable: string }> {
    const key = `${pipeline.dataset.root}\u0000${split}\u0000${JSON.stringify(pipeline.dataset)}`;
    if (!this.sets.has(key)) this.sets.set(key, load(pipeline, split, runDir));
    try {
      return await this.sets.get(key)!;
    } catch (e) {
      if (e instanceof InputError) return { unavailable: `the ${split} split could not be read (${e.message})` };
      throw e;
    }
  }
}

async function load(pipeline: ResolvedPipeline, split: SplitName, runDir: string): Promise<ImageSet> {
  const { loadSplit } = await import('../data/load-split.js');
  // The decode cache of the outputs folder the run was made in: no second decode of the split.
  const outputs = dirname(dirname(runDir));
  const cacheDir = basename(dirname(runDir)) === 'runs' && existsSync(join(outputs, 'cache')) ? join(outputs, 'cache', 'data') : null;
  return loadSplit(pipeline.dataset, split, { cacheDir });
}

/** The class names the data set's reader lists (nothing is decoded); null when it cannot be read. */
export async function listClassNames(pipeline: ResolvedPipeline, split: SplitName): Promise<readonly string[] | null> {
  const { readerFor } = await import('../data/readers/index.js');
  try {
    return (await readerFor(pipeline.dataset.format).list(pipeline.dataset, split)).classNames;
  } catch (e) {
    if (e instanceof InputError) return null;
    throw e;
  }
}

/** Writes image `item` of the set as a PNG, scaled to about THUMB pixels a side. */
export async function writeThumbnail(set: ImageSet, item: number, file: string): Promise<void> {
  const png = await thumbnailPng(set, item);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, png);
}

/** Image `item` of the set as PNG bytes, scaled to about THUMB pixels a side (`pipe serve` sends them without writing). */
export async function thumbnailPng(set: ImageSet, item: number): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const { greyToRgb } = await import('../data/pixels.js');
  const frame = set.height * set.width * set.channels;
  const pixels = set.images.subarray(item * frame, (item + 1) * frame);
  const scale = Math.max(1, Math.round(THUMB / Math.max(set.height, set.width)));
  return sharp(set.channels === 3 ? pixels : greyToRgb(pixels), { raw: { width: set.width, height: set.height, channels: 3 } })
    .resize({ width: set.width * scale, height: set.height * scale, kernel: 'nearest' })
    .png()
    .toBuffer();
}

/** The chain's preview grid, as `pipe preview` draws it: n images beside their augmented versions. */
export async function writeChainPreview(pipeline: ResolvedPipeline, chain: string, set: ImageSet, file: string, n: number): Promise<void> {
  const { compileChain } = await import('../data/augment/chain.js');
  const { writePreviewGrid } = await import('../data/preview.js');
  const compiled = compileChain(pipeline.augment[chain] as never, { path: `augment.${chain}`, input: { height: set.height, width: set.width, channels: set.channels } });
  await writePreviewGrid(set, compiled, { n, seed: pipeline.seed, out: file, columns: 4 });
}
