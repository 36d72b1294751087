import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { imageFolderReader } from '../../../src/data/readers/image-folder.js';
import { resolvedDataset } from '../../helpers/dataset.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A tree from relative paths; the files' contents do not matter to the reader. */
function tree(paths: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'pipe-image-folder-'));
  roots.push(root);
  for (const p of paths) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), '');
  }
  return root;
}

const list = (root: string, split: 'train' | 'val' | 'test') =>
  imageFolderReader.list(resolvedDataset({ format: 'image-folder', root }), split);

describe('image-folder reader', () => {
  it('reads root/<class>/ as the train split, classes and files sorted, other files ignored', async () => {
    const root = tree(['dog/b.png', 'dog/a.JPG', 'cat/x.jpeg', 'cat/notes.txt']);
    const listing = await list(root, 'train');
    expect(listing.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(listing.labels ?? [])).toEqual([0, 1, 1]);
    expect(listing.images.files).toEqual([join(root, 'cat/x.jpeg'), join(root, 'dog/a.JPG'), join(root, 'dog/b.png')]);
  });

  it('has only a train split without split folders', async () => {
    const root = tree(['dog/a.jpg']);
    await expect(list(root, 'val')).rejects.toThrow(
      `${root} has no split folders, so it holds only a 'train' split (no 'val') (put the images in val/<class>/ beside train/<class>/)`,
    );
  });

  it('numbers every split by train/ classes; an image-only split is unlabelled', async () => {
    const root = tree(['train/b/1.jpg', 'train/a/1.jpg', 'val/b/2.jpg', 'test/3.png', 'test/4.png']);
    const val = await list(root, 'val');
    expect(val.classNames).toEqual(['a', 'b']);
    expect(Array.from(val.labels ?? [])).toEqual([1]);
    const test = await list(root, 'test');
    expect(test.labels).toBeNull();
    expect(test.images.files).toEqual([join(root, 'test/3.png'), join(root, 'test/4.png')]);
  });

  it('names a class folder of val that train does not have', async () => {
    const root = tree(['train/a/1.jpg', 'val/zebra/2.jpg']);
    await expect(list(root, 'val')).rejects.toThrow(`${join(root, 'val', 'zebra')}: class 'zebra' is not a class of train (classes: a)`);
  });

  it('names a missing split folder and an empty one', async () => {
    const root = tree(['train/a/1.jpg', 'val/readme.md']);
    await expect(list(root, 'test')).rejects.toThrow(`${root} has no 'test' split (format image-folder has: train, val, test)`);
    await expect(list(root, 'val')).rejects.toThrow(`${join(root, 'val')}: no .jpg, .jpeg or .png images`);
  });
});
