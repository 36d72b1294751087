// Cutout has no Python golden (albumentations is not packaged for Debian): its hole-drawing
// rules, from albumentations 1.x's Cutout.get_params_dependent_on_targets, are tested as properties.
import { describe, expect, it } from 'vitest';
import { compileChain } from '../../../src/data/augment/chain.js';
import { drawHoles } from '../../../src/data/augment/ops/cutout.js';
import type { ResolvedAugmentStep } from '../../../src/data/augment/steps.js';
import { Rng } from '../../../src/data/random.js';
import { sameImage, testImage } from './helpers.js';

const task2 = { num_holes: 12, max_h_size: 16, max_w_size: 16 };
const step = (over: Partial<Extract<ResolvedAugmentStep, { op: 'cutout' }>> = {}): ResolvedAugmentStep =>
  ({ op: 'cutout', ...task2, fill_value: 0, p: 1, ...over });

describe('cutout holes', () => {
  it('draws num_holes holes of max_h_size x max_w_size, clipped only by the border', () => {
    const rng = Rng.from(1);
    const bad: unknown[] = [];
    let clipped = 0;
    for (let n = 0; n < 500; n++) {
      const holes = drawHoles(64, 64, task2, rng);
      if (holes.length !== 12) bad.push(holes);
      for (const h of holes) {
        const inside = 0 <= h.x1 && h.x1 <= h.x2 && h.x2 <= 64 && 0 <= h.y1 && h.y1 <= h.y2 && h.y2 <= 64;
        const fullX = h.x2 - h.x1 === 16 || h.x1 === 0 || h.x2 === 64;
        const fullY = h.y2 - h.y1 === 16 || h.y1 === 0 || h.y2 === 64;
        if (!inside || !fullX || !fullY) bad.push(h);
        if (h.x2 - h.x1 < 16 || h.y2 - h.y1 < 16) clipped++;
      }
    }
    expect(bad).toEqual([]);
    expect(clipped).toBeGreaterThan(0); // the border does clip some
  });

  it('centres holes on integers drawn from [0, size], both ends included (random.randint)', () => {
    const rng = Rng.from(2);
    const tops = new Set<number>();
    for (let n = 0; n < 3000; n++) for (const h of drawHoles(10, 10, { num_holes: 1, max_h_size: 4, max_w_size: 4 }, rng)) tops.add(h.y1);
    // y in 0..10, y1 = clip(y - 2, 0, 10): 0 (for y = 0, 1, 2) up to 8 (for y = 10).
    expect([...tops].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('places the holes from the seed: same seed, same holes', () => {
    expect(drawHoles(64, 64, task2, Rng.from(7))).toEqual(drawHoles(64, 64, task2, Rng.from(7)));
    expect(drawHoles(64, 64, task2, Rng.from(7))).not.toEqual(drawHoles(64, 64, task2, Rng.from(8)));
  });
});

describe('cutout op', () => {
  const img = testImage(32, 24, 3);

  it('paints exactly the drawn holes with fill_value and leaves every other pixel', () => {
    const out = compileChain([step({ fill_value: [255, 0, 7] })]).apply(img, Rng.from(5));
    const r = Rng.from(5);
    r.float(); // the p draw
    const holes = drawHoles(32, 24, task2, r);
    const inHole = (x: number, y: number) => holes.some((h) => x >= h.x1 && x < h.x2 && y >= h.y1 && y < h.y2);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 24; x++) {
        const at = (y * 24 + x) * 3;
        const want = inHole(x, y) ? [255, 0, 7] : Array.from(img.data.subarray(at, at + 3));
        expect(Array.from(out.data.subarray(at, at + 3))).toEqual(want);
      }
    }
  });

  it('applies with probability p, albumentations\' default 0.5', () => {
    const chain = compileChain([step({ p: 0.5 })]);
    const rng = Rng.from(3);
    let applied = 0;
    for (let i = 0; i < 4000; i++) if (!sameImage(chain.apply(img, rng), img)) applied++;
    expect(Math.abs(applied / 4000 - 0.5)).toBeLessThan(0.04);
    expect(sameImage(compileChain([step({ p: 0 })]).apply(img, Rng.from(1)), img)).toBe(true);
  });
});
