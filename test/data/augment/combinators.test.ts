// random_apply, random_choice and compose: frequencies and order.
import { describe, expect, it } from 'vitest';
import { compileChain } from '../../../src/data/augment/chain.js';
import * as F from '../../../src/data/augment/functional/index.js';
import type { ResolvedAugmentStep } from '../../../src/data/augment/steps.js';
import { Rng } from '../../../src/data/random.js';
import { sameImage, testImage } from './helpers.js';

const img = testImage(6, 5, 1);
const N = 20_000;
const flipH: ResolvedAugmentStep = { op: 'random_horizontal_flip', p: 1 };
const flipV: ResolvedAugmentStep = { op: 'random_vertical_flip', p: 1 };
const crop: ResolvedAugmentStep = { op: 'center_crop', size: [2, 2] };

/** How often each of `outcomes` comes out of `steps` over N images. */
function frequencies(steps: ResolvedAugmentStep[], outcomes: ReturnType<typeof F.hflip>[]): number[] {
  const chain = compileChain(steps);
  const rng = Rng.from(2024, 'combinators');
  const counts = outcomes.map(() => 0);
  let unexpected = 0;
  for (let i = 0; i < N; i++) {
    const out = chain.apply(img, rng);
    const k = outcomes.findIndex((o) => sameImage(o, out));
    if (k < 0) unexpected++;
    else counts[k]++;
  }
  expect(unexpected).toBe(0);
  return counts.map((c) => c / N);
}

/** Four standard deviations of a frequency estimate from N draws. */
const tolerance = (p: number): number => 4 * Math.sqrt((p * (1 - p)) / N);

describe('random_apply', () => {
  it.each([0.2, 0.5, 0.9])('applies the whole chain with frequency p = %s', (p) => {
    const [never, both] = frequencies([{ op: 'random_apply', p, chain: [flipH, flipV] }], [img, F.vflip(F.hflip(img))]);
    expect(Math.abs(both - p)).toBeLessThan(tolerance(p));
    expect(never + both).toBe(1);
  });
  it('never applies at p = 0 and always at p = 1', () => {
    expect(frequencies([{ op: 'random_apply', p: 0, chain: [flipH] }], [img])).toEqual([1]);
    expect(frequencies([{ op: 'random_apply', p: 1, chain: [flipH] }], [F.hflip(img)])).toEqual([1]);
  });
});

describe('random_choice', () => {
  const choices = [flipH, flipV, crop, { op: 'compose', chain: [flipH, flipV] } as ResolvedAugmentStep];
  const outcomes = [F.hflip(img), F.vflip(img), F.centerCrop(img, 2, 2), F.vflip(F.hflip(img))];

  it('picks each choice uniformly', () => {
    for (const f of frequencies([{ op: 'random_choice', p: null, choices }], outcomes)) expect(Math.abs(f - 0.25)).toBeLessThan(tolerance(0.25));
  });
  it('picks by relative weights, never a zero-weight choice', () => {
    const f = frequencies([{ op: 'random_choice', p: [3, 0, 1, 4], choices }], outcomes);
    expect(f[1]).toBe(0);
    [3 / 8, 0, 1 / 8, 4 / 8].forEach((want, i) => expect(Math.abs(f[i] - want)).toBeLessThan(tolerance(want) + 1e-9));
  });
});

describe('compose', () => {
  it('runs its chain in order', () => {
    const steps: ResolvedAugmentStep[] = [{ op: 'compose', chain: [{ op: 'center_crop', size: [4, 3] }, { op: 'resize', size: [8, 6], interpolation: 'nearest' }] }];
    const want = F.resize(F.centerCrop(img, 4, 3), 8, 6, 'nearest');
    expect(sameImage(compileChain(steps).apply(img, Rng.from(0)), want)).toBe(true);
  });
});
