import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSplit, loadSplits, splitSummary } from '../../src/data/load-split.js';
import { rgbToLuma } from '../../src/data/pixels.js';
import { InputError } from '../../src/errors.js';
import { resolvedDataset } from '../helpers/dataset.js';
import { writeIdx } from '../helpers/idx.js';
import { buildTinyImageNet, type TinyImageNetTree } from '../helpers/tiny-imagenet.js';

let tree: TinyImageNetTree;
beforeAll(async () => {
  tree = await buildTinyImageNet({ classes: 3, trainPerClass: 3, valPerClass: 1, test: 1, truncated: true });
});
afterAll(() => rmSync(tree.root, { recursive: true, force: true }));

const tiny = (fields: Parameters<typeof resolvedDataset>[0] extends infer T ? Partial<T> : never = {}) =>
  resolvedDataset({ format: 'tiny-imagenet', root: tree.root, ...fields });
const noCache = { cacheDir: null };

describe('loadSplit decoding', () => {
  it('stops at the truncated JPEG, naming it, by default', async () => {
    const err = await loadSplit(tiny(), 'train', noCache).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    // sharp words the reason differently from run to run ('premature end of JPEG image', 'Warning
    // treated as error due to failOn setting'): pin the file and the hint, not libvips' words.
    const message = (err as Error).message;
    expect(message.startsWith(`${tree.truncated}: cannot decode image (`)).toBe(true);
    expect(message.endsWith('(set dataset.on_bad_image: skip to skip unreadable files and list them)')).toBe(true);
  });

  it('skips it with on_bad_image: skip, lists it and keeps labels aligned', async () => {
    const progress: number[] = [];
    const set = await loadSplit(tiny({ on_bad_image: 'skip' }), 'train', { cacheDir: null, onProgress: (done, total) => progress.push(done / total) });
    expect(set.count).toBe(9);
    expect(set.skipped.map((s) => s.file)).toEqual([tree.truncated]);
    expect(set.skipped[0].index).toBe(9); // the _bad file sorts after _0.._2 in the last class
    expect(Array.from(set.labels ?? [])).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(set.files).not.toContain(tree.truncated);
    expect(progress).toHaveLength(10);
    expect(progress.at(-1)).toBe(1);
  });

  it('decodes the same bytes and stops at the same file whatever the number in flight', async () => {
    const one = await loadSplit(tiny({ on_bad_image: 'skip' }), 'train', { cacheDir: null, concurrency: 1 });
    const many = await loadSplit(tiny({ on_bad_image: 'skip' }), 'train', { cacheDir: null, concurrency: 8 });
    expect(Buffer.from(many.images).equals(Buffer.from(one.images))).toBe(true);
    // (sharp's wording of the reason varies between runs: compare which files, not its words)
    expect(many.skipped.map((k) => [k.index, k.file])).toEqual(one.skipped.map((k) => [k.index, k.file]));
    // val_0 is started first but the lanes may finish in any order: the error still names it.
    for (let i = 0; i < 3; i++) {
      await expect(loadSplit(tiny({ image_size: [32, 32] }), 'val', { cacheDir: null, concurrency: 3 })).rejects.toThrow(
        `${join(tree.root, 'val', 'images', 'val_0.JPEG')}: image is 64x64, expected 32x32 (dataset.image_size)`,
      );
    }
  });

  it('loads the greyscale JPEG as three equal channels, NHWC, matching sharp', async () => {
    const set = await loadSplit(tiny({ on_bad_image: 'skip' }), 'train', noCache);
    expect([set.height, set.width, set.channels]).toEqual([64, 64, 3]);
    expect(set.images.buffer).toBeInstanceOf(SharedArrayBuffer);
    const grey = set.images.subarray(0, 64 * 64 * 3);
    for (let p = 0; p < grey.length; p += 3) {
      expect(grey[p + 1]).toBe(grey[p]);
      expect(grey[p + 2]).toBe(grey[p]);
    }
    const second = await sharp(set.files?.[4] as string).raw().toBuffer();
    expect(Buffer.from(set.images.subarray(4 * 12288, 5 * 12288)).equals(second)).toBe(true);
  });

  it('converts colour to one channel with PIL luma', async () => {
    const rgb = await loadSplit(tiny(), 'val', noCache);
    const grey = await loadSplit(tiny({ channels: 1 }), 'val', noCache);
    expect(grey.channels).toBe(1);
    expect(Array.from(grey.images)).toEqual(Array.from(rgbToLuma(rgb.images)));
  });

  it('refuses another size unless resize is on, then resizes', async () => {
    await expect(loadSplit(tiny({ image_size: [32, 48] }), 'val', noCache)).rejects.toThrow(
      `${join(tree.root, 'val', 'images', 'val_0.JPEG')}: image is 64x64, expected 32x48 (dataset.image_size) (set dataset.resize: true to resize (bilinear), or dataset.image_size to this size)`,
    );
    const resized = await loadSplit(tiny({ image_size: [32, 48], resize: true }), 'val', noCache);
    expect([resized.count, resized.height, resized.width]).toEqual([3, 32, 48]);
    expect(resized.images.length).toBe(3 * 32 * 48 * 3);
  });

  it('names a file the annotations list but the folder lacks', async () => {
    const bad = await buildTinyImageNet({ classes: 1, trainPerClass: 1, valPerClass: 2, test: 1 });
    try {
      const file = join(bad.root, 'val', 'images', 'val_1.JPEG');
      rmSync(file);
      await expect(loadSplit(resolvedDataset({ format: 'tiny-imagenet', root: bad.root }), 'val', noCache)).rejects.toThrow(
        `${file}: file not found (the data set lists it)`,
      );
    } finally {
      rmSync(bad.root, { recursive: true, force: true });
    }
  });

  it('names a file that is not an image', async () => {
    const bad = await buildTinyImageNet({ classes: 1, trainPerClass: 1, valPerClass: 1, test: 1 });
    try {
      const file = join(bad.root, 'test', 'images', 'test_0.JPEG');
      writeFileSync(file, 'not a jpeg');
      await expect(loadSplit(resolvedDataset({ format: 'tiny-imagenet', root: bad.root }), 'test', noCache)).rejects.toThrow(
        `${file}: cannot decode image (Input file contains unsupported image format)`,
      );
    } finally {
      rmSync(bad.root, { recursive: true, force: true });
    }
  });
});

describe('loadSplits', () => {
  it('loads each named split once and summarises it for selection', async () => {
    let decoded = 0;
    const sets = await loadSplits(tiny(), ['val', 'test', 'val'], { cacheDir: null, onProgress: () => decoded++ });
    expect(Object.keys(sets).sort()).toEqual(['test', 'val']);
    expect(decoded).toBe(3 + 1);
    expect(splitSummary(sets.val as NonNullable<typeof sets.val>)).toEqual({ count: 3, labels: Int32Array.of(0, 1, 2), classCount: 3 });
    expect(sets.test?.labels).toBeNull();
  });
});

describe('loadSplit on IDX', () => {
  it('replicates greyscale to 3 channels and resizes when asked', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pipe-idx-split-'));
    try {
      writeIdx(join(root, 'train-images-idx3-ubyte.gz'), [2, 2, 2], Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
      writeIdx(join(root, 'train-labels-idx1-ubyte.gz'), [2], Uint8Array.of(1, 0));
      const set = await loadSplit(resolvedDataset({ format: 'idx', root }), 'train', noCache);
      expect(set.files).toBeNull();
      expect(Array.from(set.images.subarray(0, 6))).toEqual([1, 1, 1, 2, 2, 2]);
      expect(Array.from(set.labels ?? [])).toEqual([1, 0]);
      await expect(loadSplit(resolvedDataset({ format: 'idx', root, image_size: [4, 4] }), 'train', noCache)).rejects.toThrow(
        'images are 2x2, expected 4x4',
      );
      const big = await loadSplit(resolvedDataset({ format: 'idx', root, channels: 1, image_size: [4, 4], resize: true }), 'train', noCache);
      expect(big.images.length).toBe(2 * 16);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
