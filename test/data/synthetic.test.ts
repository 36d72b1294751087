import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSplit } from '../../src/data/load-split.js';
import { renderShape, SHAPES, writeShapesDataset } from '../../src/data/synthetic.js';
import { Rng } from '../../src/random.js';

const dataset = (root: string) => ({ format: 'tiny-imagenet' as const, root, channels: 3 as const, image_size: [16, 16] as [number, number], resize: false, on_bad_image: 'error' as const, idx: {}, class_names: null });

describe('the demo shapes data set', () => {
  it('renders the same image for the same seed, and the shape is visible', () => {
    const a = renderShape('disc', 16, Rng.from(1, 's'));
    expect(renderShape('disc', 16, Rng.from(1, 's'))).toEqual(a);
    expect(renderShape('disc', 16, Rng.from(2, 's'))).not.toEqual(a);
    const channelSpread = Math.max(...a) - Math.min(...a);
    expect(channelSpread).toBeGreaterThan(100);
  });

  it('writes a Tiny-ImageNet tree the reader loads, one class per shape', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pipe-shapes-'));
    const r = await writeShapesDataset({ root, classes: 3, trainPerClass: 4, valPerClass: 2, size: 16, seed: 0 });
    expect(r.images).toBe(18);
    expect(readFileSync(join(root, 'words.txt'), 'utf8')).toBe(r.wnids.map((w, c) => `${w}\t${SHAPES[c]}`).join('\n') + '\n');
    const train = await loadSplit(dataset(root), 'train', { cacheDir: null });
    const val = await loadSplit(dataset(root), 'val', { cacheDir: null });
    expect([train.count, val.count]).toEqual([12, 6]);
    expect(train.classNames).toEqual(['disc', 'square', 'triangle']);
    expect(Array.from(val.labels!).sort()).toEqual([0, 0, 1, 1, 2, 2]);
  });
});
