import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { writePreviewGrid } from '../../src/data/preview.js';
import { syntheticImageSet } from '../helpers/image-set.js';
import { compileChain } from '../helpers/test-chain.js';

const dir = mkdtempSync(join(tmpdir(), 'pipe-preview-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const set = syntheticImageSet(10, { size: 8 });
const mirror = compileChain([{ op: 'hflip', p: 1 }]);

async function pixels(path: string) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data, info, at: (y: number, x: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)) };
}

describe('writePreviewGrid', () => {
  it('puts each original beside its augmented version, in rows of pairs', async () => {
    const out = join(dir, 'sub', 'grid.png');
    const result = await writePreviewGrid(set, mirror, { n: 4, seed: 3, out, scale: 1, columns: 2 });
    // 2 pairs per row: margin 6 + 2 * (8 + 2 + 8 + 6); 2 rows: 6 + 2 * (8 + 6).
    expect([result.width, result.height]).toEqual([54, 34]);
    const png = await pixels(out);
    expect([png.info.width, png.info.height, png.info.channels]).toEqual([54, 34, 3]);
    expect(new Set(result.indices).size).toBe(4);
    // Pair 1 (row 0, column 1): original at x = 6 + 24, its mirror 10 pixels further right.
    const index = result.indices[1];
    const frame = 8 * 8 * 3;
    for (let x = 0; x < 8; x++) {
      const original = Array.from(set.images.subarray(index * frame + x * 3, index * frame + x * 3 + 3));
      expect(png.at(6, 30 + x)).toEqual(original);
      expect(png.at(6, 40 + 7 - x)).toEqual(original);
    }
    expect(png.at(0, 0)).toEqual([255, 255, 255]);
  });

  it('picks the same images for a seed, others for another, and scales up', async () => {
    const a = await writePreviewGrid(set, mirror, { n: 3, seed: 1, out: join(dir, 'a.png') });
    const b = await writePreviewGrid(set, mirror, { n: 3, seed: 1, out: join(dir, 'b.png') });
    const c = await writePreviewGrid(set, mirror, { n: 3, seed: 2, out: join(dir, 'c.png') });
    expect(a.indices).toEqual(b.indices);
    expect(a.indices).not.toEqual(c.indices);
    const png = await pixels(a.path);
    expect(png.info.width).toBe(a.width);
    expect(a.width % 2).toBe(0);
  });

  it('refuses n below 1', async () => {
    await expect(writePreviewGrid(set, mirror, { n: 0, seed: 1, out: join(dir, 'none.png') })).rejects.toThrow('-n must be a positive integer, got 0');
  });

  it('shows greyscale sets as grey', async () => {
    const grey = syntheticImageSet(2, { size: 8, channels: 1 });
    const r = await writePreviewGrid(grey, mirror, { n: 1, seed: 1, out: join(dir, 'grey.png'), scale: 1 });
    const png = await pixels(r.path);
    const v = grey.images[r.indices[0] * 64 + 1];
    expect(png.at(6, 7)).toEqual([v, v, v]);
  });
});
