// The loader with the real chain runner (src/data/augment/chain.ts, its default chain module).
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { BatchLoader, type EpochBatch, type LoaderOptions } from '../../src/data/loader.js';
import { selectData } from '../../src/data/select.js';
import { dataSource, type ResolvedDataSelection } from '../../src/data/spec.js';
import { syntheticImageSet } from '../helpers/image-set.js';

const train = syntheticImageSet(12, { size: 64 });
const summary = { count: train.count, labels: train.labels, classCount: 4 };
const crop56 = { op: 'random_crop', size: 56, padding: 0, pad_if_needed: false, fill: 0, padding_mode: 'constant' };
const chains = {
  resnet: [crop56, { op: 'random_horizontal_flip', p: 0.5 }, { op: 'normalize', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }],
  crop56: [crop56],
  big: [{ ...crop56, size: 100 }],
};

async function open(selection: ResolvedDataSelection, workers: number, fields: Partial<LoaderOptions> = {}): Promise<BatchLoader> {
  const parts = selectData(selection, () => summary, 'stages.s.train', chains);
  return BatchLoader.open({ parts, splits: { train }, batchSize: 5, seed: 3, shuffle: true, dropLast: false, workers, where: 'stages.s.train', ...fields });
}

async function epoch(selection: ResolvedDataSelection, workers: number): Promise<EpochBatch[]> {
  const loader = await open(selection, workers);
  try {
    const out: EpochBatch[] = [];
    for await (const b of loader.epoch(1)) out.push(b);
    return out;
  } finally {
    await loader.close();
  }
}

describe('BatchLoader with src/data/augment/chain.ts', () => {
  it('crops, flips and normalises identically on this thread and in two workers', async () => {
    const selection = dataSource({ split: 'train', augment: 'resnet' });
    const inline = await epoch(selection, 0);
    const workers = await epoch(selection, 2);
    expect(inline.map((b) => b.shape)).toEqual([[5, 56, 56, 3], [5, 56, 56, 3], [2, 56, 56, 3]]);
    expect(workers.map((b) => Array.from(b.x))).toEqual(inline.map((b) => Array.from(b.x)));
    // Normalised: every value is (v / 255 - mean_c) / std_c for some byte v.
    const c0 = Array.from({ length: 256 }, (_, v) => Math.fround((Math.fround(v / 255) - Math.fround(0.485)) / Math.fround(0.229)));
    expect(c0).toContain(inline[0].x[0]);
  });

  it('refuses, at open, concat parts that end at different sizes', async () => {
    const selection = { concat: [dataSource({ split: 'train' }), dataSource({ split: 'train', augment: 'crop56' })] };
    await expect(open(selection, 0)).rejects.toThrow(
      "stages.s.train: the parts give images of different sizes: concat[0] (no chain) gives 64x64x3, concat[1] (augment chain 'crop56') gives 56x56x3 (every part of a concat must end at one size (e.g. crop or resize the originals too))",
    );
  });

  it("reports a chain that cannot run on the split's images at open, located in the chain", async () => {
    const err = await open(dataSource({ split: 'train', augment: 'big' }), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message.startsWith('augment.big[0]: random_crop: ')).toBe(true);
  });
});
