import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { tinyImageNetReader } from '../../../src/data/readers/tiny-imagenet.js';
import { readerFor } from '../../../src/data/readers/index.js';
import { resolvedDataset } from '../../helpers/dataset.js';
import { buildTinyImageNet, type TinyImageNetTree } from '../../helpers/tiny-imagenet.js';

let tree: TinyImageNetTree;
beforeAll(async () => {
  tree = await buildTinyImageNet({ classes: 3, trainPerClass: 3, valPerClass: 2, test: 2 });
});
afterAll(() => rmSync(tree.root, { recursive: true, force: true }));

const dataset = () => resolvedDataset({ format: 'tiny-imagenet', root: tree.root });

describe('tiny-imagenet reader', () => {
  it('is the registry entry for its format', () => {
    expect(readerFor('tiny-imagenet')).toBe(tinyImageNetReader);
  });

  it('lists train by sorted wnid (wnids.txt is written in reverse) with names from words.txt', async () => {
    const listing = await tinyImageNetReader.list(dataset(), 'train');
    expect(listing.classNames).toEqual(tree.names);
    expect(Array.from(listing.labels ?? [])).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    if (listing.images.kind !== 'files') throw new Error('expected files');
    expect(listing.images.files[3]).toBe(join(tree.root, 'train', tree.wnids[1], 'images', `${tree.wnids[1]}_0.JPEG`));
  });

  it('labels val from val_annotations.txt in its order', async () => {
    const listing = await tinyImageNetReader.list(dataset(), 'val');
    expect(Array.from(listing.labels ?? [])).toEqual([0, 1, 2, 0, 1, 2]);
    if (listing.images.kind !== 'files') throw new Error('expected files');
    expect(listing.images.files[4]).toBe(join(tree.root, 'val', 'images', 'val_4.JPEG'));
  });

  it('lists test without labels', async () => {
    const listing = await tinyImageNetReader.list(dataset(), 'test');
    expect(listing.labels).toBeNull();
    expect(listing.images.files).toHaveLength(2);
  });

  it('takes class_names from the pipeline when it sets them, and checks their number', async () => {
    const named = await tinyImageNetReader.list({ ...dataset(), class_names: ['a', 'b', 'c'] }, 'train');
    expect(named.classNames).toEqual(['a', 'b', 'c']);
    await expect(tinyImageNetReader.list({ ...dataset(), class_names: ['a'] }, 'train')).rejects.toThrow(
      `dataset.class_names: lists 1 names but the data set has 3 classes (${tree.root} (tiny-imagenet))`,
    );
  });

  it('names the line and column of a val wnid that is not in wnids.txt', async () => {
    const file = join(tree.root, 'val', 'val_annotations.txt');
    const original = readFileSync(file);
    appendFileSync(file, 'val_9.JPEG\tn99999999\t0\t0\t1\t1\n');
    try {
      const err = await tinyImageNetReader.list(dataset(), 'val').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toBe(`${file}:7:12: class id 'n99999999' is not in wnids.txt`);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('names a missing wnids.txt, a missing class folder, and an unknown split', async () => {
    const bare = await buildTinyImageNet({ classes: 2, trainPerClass: 1, valPerClass: 1, test: 1 });
    try {
      rmSync(join(bare.root, 'train', bare.wnids[1]), { recursive: true });
      const ds = resolvedDataset({ format: 'tiny-imagenet', root: bare.root });
      await expect(tinyImageNetReader.list(ds, 'train')).rejects.toThrow(
        `${join(bare.root, 'train', bare.wnids[1], 'images')}: folder not found (every class in wnids.txt needs train/${bare.wnids[1]}/images)`,
      );
      rmSync(join(bare.root, 'wnids.txt'));
      await expect(tinyImageNetReader.list(ds, 'val')).rejects.toThrow(
        `${join(bare.root, 'wnids.txt')}: cannot read file (ENOENT) (dataset.root should be the tiny-imagenet-200 folder)`,
      );
      await expect(tinyImageNetReader.list(ds, 'holdout' as 'val')).rejects.toThrow(InputError);
    } finally {
      rmSync(bare.root, { recursive: true, force: true });
    }
  });

  it('reports a wnid words.txt does not name', async () => {
    const bare = await buildTinyImageNet({ classes: 2, trainPerClass: 1, valPerClass: 1, test: 1 });
    try {
      writeFileSync(join(bare.root, 'words.txt'), `${bare.wnids[0]}\tonly one\n`);
      await expect(tinyImageNetReader.list(resolvedDataset({ format: 'tiny-imagenet', root: bare.root }), 'train')).rejects.toThrow(
        `${join(bare.root, 'words.txt')}: no name for 1 class id(s): ${bare.wnids[1]}`,
      );
    } finally {
      rmSync(bare.root, { recursive: true, force: true });
    }
  });
});
