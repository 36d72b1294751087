import { describe, expect, it } from 'vitest';
import { selectData, selectSource, type SplitSummary } from '../../src/data/select.js';
import { dataSource } from '../../src/data/spec.js';

/** A labelled split whose class c has sizes[c] images, classes interleaved as in a real listing. */
function split(sizes: readonly number[]): SplitSummary {
  const labels: number[] = [];
  sizes.forEach((n, c) => labels.push(...new Array<number>(n).fill(c)));
  // Interleave deterministically so class members are not one contiguous run.
  const order = labels.map((_, i) => i).sort((a, b) => ((a * 7919) % labels.length) - ((b * 7919) % labels.length));
  return { count: labels.length, labels: Int32Array.from(order, (i) => labels[i]), classCount: sizes.length };
}

function perClassCounts(s: SplitSummary, indices: Int32Array): number[] {
  const counts = new Array<number>(s.classCount).fill(0);
  for (const i of indices) counts[(s.labels as Int32Array)[i]]++;
  return counts;
}

const train = split([500, 500, 500, 40, 7]);

describe('selectSource', () => {
  it.each([
    [0.1, [50, 50, 50, 4, 1]],
    [0.5, [250, 250, 250, 20, 4]], // round(3.5) = 4: halves round up
    [1, [500, 500, 500, 40, 7]],
  ])('stratified fraction %s takes round(f * n_c) of each class', (fraction, expected) => {
    const part = selectSource(dataSource({ split: 'train', fraction, stratified: true, seed: 3 }), train, 'train');
    expect(perClassCounts(train, part.indices)).toEqual(expected);
  });

  it('per_class takes exactly that many of each class and refuses more than a class has', () => {
    const part = selectSource(dataSource({ split: 'train', per_class: 7, seed: 1 }), train, 's.train');
    expect(perClassCounts(train, part.indices)).toEqual([7, 7, 7, 7, 7]);
    expect(() => selectSource(dataSource({ split: 'train', per_class: 8 }), train, 's.train')).toThrow(
      "s.train.per_class: asks for 8 images of class 4 but the 'train' split has 7",
    );
  });

  it('plain fraction takes round(f * n) from the whole split, indices ascending and distinct', () => {
    const part = selectSource(dataSource({ split: 'train', fraction: 0.25, seed: 9 }), train, 'train');
    expect(part.indices).toHaveLength(Math.round(0.25 * train.count));
    expect(new Set(part.indices).size).toBe(part.indices.length);
    expect(Array.from(part.indices)).toEqual(Array.from(part.indices).sort((a, b) => a - b));
  });

  it('is a function of the seed: same seed same images, another seed other images', () => {
    const pick = (seed: number) => Array.from(selectSource(dataSource({ split: 'train', fraction: 0.1, stratified: true, seed }), train, 't').indices);
    expect(pick(5)).toEqual(pick(5));
    expect(pick(5)).not.toEqual(pick(6));
  });

  it("draws each class on its own stream: one class's pick does not move when another class grows", () => {
    // Class 0 gains 100 images at the end of the listing; every other image keeps its position.
    const labels = Int32Array.from([...(train.labels as Int32Array), ...new Array<number>(100).fill(0)]);
    const bigger: SplitSummary = { count: labels.length, labels, classCount: train.classCount };
    const pick = (s: SplitSummary) => Array.from(selectSource(dataSource({ split: 'train', per_class: 3, seed: 2 }), s, 't').indices);
    const notClass0 = (indices: number[]) => indices.filter((i) => labels[i] !== 0);
    expect(notClass0(pick(bigger))).toEqual(notClass0(pick(train)));
    expect(notClass0(pick(train))).toHaveLength(12);
  });

  it('caps with max_images after selecting, as a seeded sample', () => {
    const part = selectSource(dataSource({ split: 'train', fraction: 0.1, stratified: true, max_images: 20, seed: 4 }), train, 't');
    expect(part.indices).toHaveLength(20);
    const full = selectSource(dataSource({ split: 'train', fraction: 0.1, stratified: true, seed: 4 }), train, 't');
    expect(Array.from(part.indices).every((i) => full.indices.includes(i))).toBe(true);
    expect(new Set(perClassCounts(train, part.indices).filter((n) => n > 0)).size).toBeGreaterThan(1);
  });

  it('drops labels when unlabelled, and for a split that has none', () => {
    expect(selectSource(dataSource({ split: 'train', unlabelled: true }), train, 't').labelled).toBe(false);
    expect(selectSource(dataSource({ split: 'train' }), train, 't').labelled).toBe(true);
    const test: SplitSummary = { count: 10, labels: null, classCount: 5 };
    expect(selectSource(dataSource({ split: 'test' }), test, 't').labelled).toBe(false);
  });

  it.each([
    [{ stratified: true, fraction: 0.5 }, "t.stratified: the 'test' split has no labels to stratify by"],
    [{ per_class: 2 }, "t.per_class: the 'test' split has no labels to count per class"],
    [{ fraction: 0 }, 't.fraction: must be in (0, 1], got 0'],
    [{ fraction: 0.5, per_class: 2 }, 't.per_class: per_class and fraction 0.5 both choose how many images to take: keep one'],
    [{ fraction: 0.01 }, "t: selects no images from the 'test' split (10 images)"],
  ])('refuses %o on an unlabelled split of 10', (fields, message) => {
    const test: SplitSummary = { count: 10, labels: null, classCount: 5 };
    expect(() => selectSource(dataSource({ split: 'test', ...fields }), test, 't')).toThrow(message);
  });
});

describe('selectData', () => {
  it('concat keeps its parts in order, the same images in both when they select alike', () => {
    const steps = [{ op: 'flip' }];
    const parts = selectData(
      {
        concat: [
          dataSource({ split: 'train', unlabelled: true, fraction: 0.1, seed: 1 }),
          dataSource({ split: 'train', unlabelled: true, fraction: 0.1, seed: 1, augment: 'flipped' }),
        ],
      },
      () => train,
      'stages.pretrain.train',
      { flipped: steps },
    );
    expect(parts.map((p) => [p.split, p.labelled, p.augment])).toEqual([
      ['train', false, null],
      ['train', false, { name: 'flipped', steps }],
    ]);
    expect(Array.from(parts[1].indices)).toEqual(Array.from(parts[0].indices));
  });

  it('names an unknown chain with the known ones', () => {
    expect(() => selectData(dataSource({ split: 'train', augment: 'nope' }), () => train, 'stages.x.train', { a: [], b: [] })).toThrow(
      "stages.x.train.augment: unknown augment chain 'nope' (known: a, b)",
    );
  });

  it('names the concat part in errors', () => {
    const sel = { concat: [dataSource({ split: 'train' }), dataSource({ split: 'train', per_class: 1000 })] };
    expect(() => selectData(sel, () => train, 'stages.x.train')).toThrow("stages.x.train.concat[1].per_class: asks for 1000 images of class 0 but the 'train' split has 500");
  });
});
