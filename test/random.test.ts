import { describe, expect, it } from 'vitest';
import { MAX_SEED, Rng } from '../src/random.js';
import { runPipe } from './helpers/cli.js';

describe('Rng', () => {
  it('gives the same draws for the same seed and stream, different ones otherwise', () => {
    const a = Rng.from(42, 'augment');
    const b = Rng.from(42, 'augment');
    const c = Rng.from(42, 'shuffle');
    const da = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(da);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(da);
  });

  it('resumes exactly from a saved state', () => {
    const a = Rng.from(7);
    for (let i = 0; i < 100; i++) a.float();
    const saved = a.state();
    const next = Array.from({ length: 5 }, () => a.float());
    const b = new Rng(saved);
    expect(Array.from({ length: 5 }, () => b.float())).toEqual(next);
  });

  it('draws uniform floats and integers with the right moments', () => {
    const r = Rng.from(1);
    const n = 100_000;
    let sum = 0;
    const counts = new Array(10).fill(0);
    for (let i = 0; i < n; i++) {
      sum += r.float();
      counts[r.int(10)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - n / 10)).toBeLessThan(500);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const r = Rng.from(3);
    const n = 100_000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(s / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
  });

  it('shuffles into a permutation', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    Rng.from(5).shuffle(xs);
    expect([...xs].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(xs).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('seeds are 32 bits, never wrapped', () => {
  it.each([2 ** 32, 2 ** 32 + 5, -1, 0.5, Number.MAX_SAFE_INTEGER, NaN])('Rng.from refuses seed %d instead of wrapping it onto another', (seed) => {
    expect(() => Rng.from(seed)).toThrow(RangeError);
  });

  it('takes every seed from 0 to MAX_SEED', () => {
    expect(Rng.from(MAX_SEED).nextU32()).not.toBe(Rng.from(0).nextU32());
    expect(Rng.from(MAX_SEED, 's').state()).toEqual(Rng.from(MAX_SEED, 's').state());
  });

  it('pipe refuses a seed past 32 bits from --set, located there', () => {
    const r = runPipe(['show', 'pipelines/demo.yaml', '--set', 'seed=4294967296']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --set seed=4294967296: seed: expected an integer in [0, 4294967295], found 4294967296\n');
  });
});
