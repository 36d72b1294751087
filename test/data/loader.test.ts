import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { BatchLoader, defaultLoaderWorkers, type EpochBatch, type LoaderOptions } from '../../src/data/loader.js';
import { dataSource, type NamedChain, type ResolvedDataSelection } from '../../src/data/spec.js';
import { selectData } from '../../src/data/select.js';
import { InputError } from '../../src/errors.js';
import { syntheticImageSet } from '../helpers/image-set.js';

const TEST_CHAIN = new URL('../helpers/test-chain.ts', import.meta.url).href;
const train = syntheticImageSet(23);
const summary = { count: train.count, labels: train.labels, classCount: 4 };
const chains = {
  jitter: [{ op: 'noise', amount: 20 }, { op: 'crop', size: 6 }, { op: 'hflip', p: 0.5 }],
  mirror: [{ op: 'hflip', p: 1 }],
  ragged: [{ op: 'ragged' }],
  crash: [{ op: 'crash' }],
  imagenet: [{ op: 'normalize', mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] }],
  half: [{ op: 'normalize', mean: [0.5], std: [0.5] }],
};
const cutout: NamedChain = { name: 'cutout', steps: [{ op: 'cutout', size: 3 }] };
const partsOf = (selection: ResolvedDataSelection, where = 'stages.s.train') => selectData(selection, () => summary, where, chains);

function options(fields: Partial<LoaderOptions> = {}): LoaderOptions {
  return {
    parts: partsOf(dataSource({ split: 'train' })),
    splits: { train },
    batchSize: 5,
    seed: 11,
    shuffle: true,
    dropLast: false,
    workers: 0,
    where: 'stages.s.train',
    chainModule: TEST_CHAIN,
    ...fields,
  };
}

async function collect(fields: Partial<LoaderOptions>, epoch: number, fromStep = 0): Promise<EpochBatch[]> {
  const loader = await BatchLoader.open(options(fields));
  try {
    const out: EpochBatch[] = [];
    for await (const b of loader.epoch(epoch, fromStep)) out.push(b);
    return out;
  } finally {
    await loader.close();
  }
}

/** Which image each row of a batch is (the first byte of image i is i; see syntheticImageSet). */
const ids = (b: EpochBatch) => Array.from({ length: b.shape[0] }, (_, j) => Math.round(b.x[j * b.shape[1] * b.shape[2] * b.shape[3]] * 255));
const bytes = (batches: readonly EpochBatch[]) => batches.map((b) => [Array.from(b.x), b.y && Array.from(b.y), b.target && Array.from(b.target), b.shape]);

describe('BatchLoader', () => {
  it('without shuffle delivers the items in order, as floats in [0, 1], with a smaller last batch', async () => {
    const batches = await collect({ shuffle: false }, 0);
    expect(batches.map((b) => b.shape)).toEqual([...new Array(4).fill([5, 8, 8, 3]), [3, 8, 8, 3]]);
    expect(batches.map((b) => b.step)).toEqual([0, 1, 2, 3, 4]);
    expect(batches.flatMap(ids)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(Array.from(batches[1].y ?? [])).toEqual([1, 2, 3, 0, 1]);
    expect(batches[0].x[1]).toBeCloseTo(train.images[1] / 255, 7);
    expect(batches[0].target).toBeNull();
  });

  it('leaves one core to the trainer by default', () => {
    expect(defaultLoaderWorkers()).toBe(Math.max(1, availableParallelism() - 1));
  });

  it('drops the last, smaller batch with dropLast', async () => {
    const loader = await BatchLoader.open(options({ dropLast: true }));
    expect(loader.stepsPerEpoch).toBe(4);
    await loader.close();
  });

  it('visits every item once per epoch, in a new seeded order each epoch', async () => {
    const e0 = (await collect({}, 0)).flatMap(ids);
    const e1 = (await collect({}, 1)).flatMap(ids);
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(e0).not.toEqual(e1);
    expect((await collect({}, 0)).flatMap(ids)).toEqual(e0);
    expect((await collect({ seed: 12 }, 0)).flatMap(ids)).not.toEqual(e0);
  });

  it('gives the same bytes with 0, 1 or 2 workers, augmenting and corrupting', async () => {
    const parts = partsOf(dataSource({ split: 'train', augment: 'jitter' }));
    const fields: Partial<LoaderOptions> = { parts, targets: 'images', corrupt: cutout };
    const inline = await collect({ ...fields, workers: 0 }, 2);
    expect(inline[0].shape).toEqual([5, 6, 6, 3]);
    expect(bytes(await collect({ ...fields, workers: 1 }, 2))).toEqual(bytes(inline));
    expect(bytes(await collect({ ...fields, workers: 2, prefetch: 3 }, 2))).toEqual(bytes(inline));
    // The augmentation is drawn afresh each epoch.
    expect(bytes(await collect({ ...fields, workers: 0 }, 3))).not.toEqual(bytes(inline));
  });

  it('resumes at (epoch, step) with exactly the batches the full epoch had from there', async () => {
    const parts = partsOf(dataSource({ split: 'train', augment: 'jitter' }));
    const full = await collect({ parts, workers: 1 }, 4);
    const resumed = await collect({ parts, workers: 2 }, 4, 3);
    expect(resumed.map((b) => b.step)).toEqual([3, 4]);
    expect(bytes(resumed)).toEqual(bytes(full.slice(3)));
  });

  it('corrupts only the input: the target is the clean image', async () => {
    const [b] = await collect({ targets: 'images', corrupt: cutout, shuffle: false }, 0);
    const target = b.target as Float32Array;
    const frame = 8 * 8 * 3;
    for (let j = 0; j < 5; j++) {
      const x = b.x.subarray(j * frame, (j + 1) * frame);
      const t = target.subarray(j * frame, (j + 1) * frame);
      const zeroed = x.reduce((n, v, k) => n + (v === 0 && t[k] !== 0 ? 1 : 0), 0);
      expect(zeroed).toBeGreaterThan(0);
      expect(x.every((v, k) => v === t[k] || v === 0)).toBe(true);
      expect(t[0]).toBeCloseTo(train.images[j * frame] / 255, 7);
    }
  });

  it("applies the chain's normalize after conversion to float", async () => {
    const parts = partsOf(dataSource({ split: 'train', augment: 'imagenet' }));
    const [b] = await collect({ parts, shuffle: false }, 0);
    for (let k = 0; k < 6; k++) {
      const c = k % 3;
      const expected = (train.images[k] / 255 - [0.5, 0.4, 0.3][c]) / [0.2, 0.25, 0.5][c];
      expect(b.x[k]).toBeCloseTo(expected, 5);
    }
  });

  it('delivers originals then augmented copies for a concat, each item labelled by its split', async () => {
    const parts = partsOf({ concat: [dataSource({ split: 'train' }), dataSource({ split: 'train', augment: 'mirror' })] });
    const batches = await collect({ parts, shuffle: false, batchSize: 23 }, 0);
    expect(batches.map((b) => b.shape[0])).toEqual([23, 23]);
    const row = 8 * 3;
    // Image 0 of the copy is image 0 mirrored: its first pixel is the original's last of row 0.
    expect(Array.from(batches[1].x.subarray(0, 3))).toEqual(Array.from(batches[0].x.subarray(row - 3, row)));
    expect(Array.from(batches[1].y ?? [])).toEqual(Array.from(batches[0].y ?? []));
  });

  it('stops with an error naming the selection and its chain when a batch mixes sizes', async () => {
    const parts = partsOf({ concat: [dataSource({ split: 'train' }), dataSource({ split: 'train', augment: 'ragged' })] }, 'stages.p.train');
    for (const workers of [0, 2]) {
      const err = await collect({ parts, workers, batchSize: 46, where: 'stages.p.train' }, 0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(
        /^stages\.p\.train\.concat\[1\]: the augment chain 'ragged' yields images of different sizes in one batch: \d+x8x3 and \d+x8x3 \(end the chain with a fixed-size step \(e\.g\. a crop or resize\)\)$/,
      );
    }
  });

  it('refuses parts that normalise differently, or that mix labelled and unlabelled', async () => {
    const differ = partsOf({ concat: [dataSource({ split: 'train' }), dataSource({ split: 'train', augment: 'half' })] }, 'p');
    await expect(BatchLoader.open(options({ parts: differ, where: 'p' }))).rejects.toThrow(
      'p: the parts normalise differently (0: none; 1: mean [0.5] std [0.5]) (give every part a chain ending in the same normalize, or none)',
    );
    const mixed = partsOf({ concat: [dataSource({ split: 'train' }), dataSource({ split: 'train', unlabelled: true })] }, 'p');
    await expect(BatchLoader.open(options({ parts: mixed, where: 'p' }))).rejects.toThrow(
      'p: parts 0: labelled, 1: unlabelled disagree: a batch is either labelled or not',
    );
    await expect(BatchLoader.open(options({ batchSize: 0 }))).rejects.toThrow('stages.s.train: batch size must be a positive integer, got 0');
  });

  it('fails every later request at once after a worker dies, instead of waiting for it', async () => {
    const loader = await BatchLoader.open(options({ parts: partsOf(dataSource({ split: 'train', augment: 'crash' })), workers: 1 }));
    try {
      const next = () => loader.epoch(0)[Symbol.asyncIterator]().next();
      await expect(next()).rejects.toThrow('loader worker exited (code 7)');
      await expect(next()).rejects.toThrow('loader worker exited (code 7)');
    } finally {
      await loader.close();
    }
  });

  it('delivers y: null for unlabelled data and transfers plain buffers from workers', async () => {
    const parts = partsOf(dataSource({ split: 'train', unlabelled: true }));
    const [b] = await collect({ parts, workers: 1 }, 0);
    expect(b.y).toBeNull();
    expect(b.x.buffer).toBeInstanceOf(ArrayBuffer);
    expect(b.x.byteLength).toBe(5 * 8 * 8 * 3 * 4);
  });
});
