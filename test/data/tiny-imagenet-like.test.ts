// The generated Tiny ImageNet stand-in has the real set's layout: the engine's reader lists and
// decodes every split of it, labels follow val_annotations.txt, some JPEGs are one-channel, and the
// same seed writes the same bytes.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadSplit } from '../../src/data/load-split.js';
import { writeTinyImageNetLike } from '../../src/data/tiny-imagenet-like.js';
import { resolvedDataset } from '../helpers/dataset.js';

const small = (root: string, seed = 1) => writeTinyImageNetLike({ root, seed, classes: 5, trainPerClass: 6, valImages: 10, testImages: 4, size: 16, greyscale: 0.3 });

describe('a Tiny ImageNet-like tree', () => {
  it('is read by the tiny-imagenet reader: every split, labels from the annotations, greyscale files among them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pipe-tiny-like-'));
    const tree = await small(root);
    expect(tree.images).toBe(5 * 6 + 10 + 4);
    expect(readdirSync(join(root, 'train'))).toEqual(tree.wnids);
    expect(readFileSync(join(root, 'val', 'val_annotations.txt'), 'utf8').split('\n')[3]).toBe(`val_3.JPEG\t${tree.wnids[3]}\t0\t0\t15\t15`);
    const dataset = resolvedDataset({ format: 'tiny-imagenet', root });
    const train = await loadSplit(dataset, 'train', { cacheDir: null });
    const val = await loadSplit(dataset, 'val', { cacheDir: null });
    const test = await loadSplit(dataset, 'test', { cacheDir: null });
    expect([train.count, val.count, test.count]).toEqual([30, 10, 4]);
    expect(Array.from(val.labels!)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(train.classNames).toHaveLength(5);
    const channels = await Promise.all([train, val, test].flatMap((s) => s.files!).map(async (f) => (await sharp(f).metadata()).channels));
    expect(channels.filter((c) => c === 1).length).toBe(tree.greyscale);
    expect(tree.greyscale).toBeGreaterThan(0);
  });

  it('writes the same bytes for the same seed, others for another', async () => {
    const [a, b, c] = [1, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'pipe-tiny-like-')));
    await Promise.all([small(a), small(b), small(c, 2)]);
    const file = (root: string) => readFileSync(join(root, 'val', 'images', 'val_7.JPEG'));
    expect(file(a).equals(file(b))).toBe(true);
    expect(file(a).equals(file(c))).toBe(false);
  });
});
