import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { idxReader, readIdx } from '../../../src/data/readers/idx.js';
import { resolvedDataset } from '../../helpers/dataset.js';
import { idxBytes, writeIdx } from '../../helpers/idx.js';

const root = mkdtempSync(join(tmpdir(), 'pipe-idx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const pixels = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => i);
writeIdx(join(root, 'train-images-idx3-ubyte.gz'), [5, 4, 3], pixels);
writeIdx(join(root, 'train-labels-idx1-ubyte.gz'), [5], Uint8Array.of(2, 0, 1, 2, 0));
writeIdx(join(root, 't10k-images-idx3-ubyte.gz'), [2, 4, 3], pixels.subarray(0, 24));
writeIdx(join(root, 't10k-labels-idx1-ubyte.gz'), [3], Uint8Array.of(0, 1, 0));

describe('idx reader', () => {
  it('reads gzipped images and labels under the default (Debian Fashion-MNIST) names', async () => {
    const listing = await idxReader.list(resolvedDataset({ format: 'idx', root }), 'train');
    expect(Array.from(listing.labels ?? [])).toEqual([2, 0, 1, 2, 0]);
    expect(listing.classNames).toEqual(['0', '1', '2']);
    if (listing.images.kind !== 'packed') throw new Error('expected packed images');
    const images = await listing.images.read();
    expect([images.count, images.height, images.width, images.channels]).toEqual([5, 4, 3, 1]);
    expect(Array.from(images.data.subarray(12, 15))).toEqual([12, 13, 14]);
  });

  it('reads uncompressed files too', () => {
    const path = join(root, 'plain-idx1');
    writeIdx(path, [3], Uint8Array.of(7, 8, 9), false);
    expect(Array.from(readIdx(path).data)).toEqual([7, 8, 9]);
  });

  it('stops at images and labels of different counts, naming both files', async () => {
    const listing = await idxReader.list(resolvedDataset({ format: 'idx', root }), 'test');
    if (listing.images.kind !== 'packed') throw new Error('expected packed images');
    await expect(listing.images.read()).rejects.toThrow(
      `${join(root, 't10k-labels-idx1-ubyte.gz')}: 3 labels for 2 images in ${join(root, 't10k-images-idx3-ubyte.gz')}`,
    );
  });

  it.each([
    ['bad magic', Buffer.from([1, 0, 8, 1, 0, 0, 0, 0]), 'not an IDX file (bad magic number)'],
    ['int32 values', Buffer.from([0, 0, 0x0c, 1, 0, 0, 0, 0]), 'IDX value type 0xc is not uint8 (0x08)'],
    ['short header', Buffer.from([0, 0, 8, 3, 0, 0, 0, 1]), 'IDX header is cut short (3 dimensions)'],
    ['short data', idxBytes([2, 2], Uint8Array.of(1, 2, 3)), 'IDX shape (2, 2) needs 4 bytes of data, found 3'],
  ])('names the file on %s', (_name, bytes, message) => {
    const path = join(root, 'broken-idx');
    writeFileSync(path, bytes);
    expect(() => readIdx(path)).toThrow(`${path}: ${message}`);
  });

  it('names a labels file of the wrong rank, a missing file, and an unknown split', async () => {
    writeIdx(join(root, 'rank2-labels'), [2, 1], Uint8Array.of(0, 1));
    const ds = resolvedDataset({ format: 'idx', root, idx: { train: { images: 'x', labels: 'rank2-labels' }, test: { images: 'missing.gz', labels: null } } });
    await expect(idxReader.list(ds, 'train')).rejects.toThrow(`${join(root, 'rank2-labels')}: expected labels of shape (N), found (2, 1)`);
    const test = await idxReader.list(ds, 'test');
    expect(test.labels).toBeNull();
    if (test.images.kind !== 'packed') throw new Error('expected packed images');
    await expect(test.images.read()).rejects.toThrow(
      `${join(root, 'missing.gz')}: cannot read IDX file (ENOENT) (for Fashion-MNIST: apt-get install dataset-fashion-mnist)`,
    );
    await expect(idxReader.list(ds, 'val')).rejects.toThrow(`${root} has no 'val' split (dataset.idx names: train, test)`);
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';

describe('real Fashion-MNIST', () => {
  it('reads 60,000 + 10,000 28x28 images, 6,000 / 1,000 per class', async (ctx) => {
    if (!existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'))) {
      ctx.skip(`${FASHION} is absent: apt-get install dataset-fashion-mnist`);
    }
    const ds = resolvedDataset({ format: 'idx', root: FASHION });
    for (const [split, count] of [['train', 60000], ['test', 10000]] as const) {
      const listing = await idxReader.list(ds, split);
      if (listing.images.kind !== 'packed') throw new Error('expected packed images');
      const images = await listing.images.read();
      expect([images.count, images.height, images.width]).toEqual([count, 28, 28]);
      const perClass = new Array<number>(10).fill(0);
      for (const c of listing.labels ?? []) perClass[c]++;
      expect(perClass).toEqual(new Array(10).fill(count / 10));
    }
  });
});
