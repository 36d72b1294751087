// What the torchvision goldens do not pin down: the rounding helpers, the fused pad-and-crop
// against padding then cropping, the padding index rules, and the float32 conversion.
import { describe, expect, it } from 'vitest';
import * as F from '../../../src/data/augment/functional/index.js';
import { sourceIndex } from '../../../src/data/augment/functional/geometry.js';
import { roundDecimal, roundHalfAway, roundHalfEven } from '../../../src/data/augment/functional/rounding.js';
import { fillColor } from '../../../src/data/augment/image.js';
import { JobError } from '../../../src/errors.js';
import { sameImage, testImage } from './helpers.js';

describe('rounding', () => {
  it('roundHalfEven is Python\'s round and torch.round', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
  });
  it('roundHalfAway is C\'s round', () => {
    expect([0.5, 1.5, 2.5, -0.5, -2.5, 2.49].map(roundHalfAway)).toEqual([1, 2, 3, -1, -3, 2]);
  });
  it('roundDecimal is Python\'s round(x, n)', () => {
    expect(roundDecimal(Math.cos(Math.PI / 2), 15)).toBe(0);
    expect(roundDecimal(0.12345678901234568, 15)).toBe(0.123456789012346);
    expect(roundDecimal(-0.70710678118654757, 15)).toBe(-0.707106781186548);
  });
});

describe('padding', () => {
  it('follows numpy.pad index rules beyond the image', () => {
    const at = (mode: F.PaddingMode) => [-5, -4, -3, -2, -1, 0, 3, 4, 5, 6, 7, 8].map((i) => sourceIndex(i, 4, mode));
    expect(at('edge')).toEqual([0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3]);
    expect(at('reflect')).toEqual([1, 2, 3, 2, 1, 0, 3, 2, 1, 0, 1, 2]);
    expect(at('symmetric')).toEqual([3, 3, 2, 1, 0, 0, 3, 3, 2, 1, 0, 0]);
    expect(at('constant')).toEqual([-1, -1, -1, -1, -1, 0, 3, -1, -1, -1, -1, -1]);
    expect(sourceIndex(-3, 1, 'reflect')).toBe(0);
  });

  it.each(['constant', 'edge', 'reflect', 'symmetric'] as const)('padCrop equals pad then crop (%s), boxes reaching outside included', (mode) => {
    const img = testImage(9, 7, 3);
    const padding = F.parsePadding([2, 3, 4, 1]);
    // Inside the padded image, with a colourful fill.
    const fill = Uint8Array.of(5, 6, 7);
    const padded = F.pad(img, padding, fill, mode);
    for (const [top, left, h, w] of [[0, 0, 13, 13], [2, 1, 6, 9], [4, 4, 2, 3]]) {
      expect(sameImage(F.padCrop(img, padding, mode, fill, top, left, h, w), F.crop(padded, top, left, h, w))).toBe(true);
    }
    // Reaching outside it: crop() fills there with black, so compare with a black fill.
    const black = new Uint8Array(3);
    const paddedBlack = F.pad(img, padding, black, mode);
    for (const [top, left, h, w] of [[-3, 5, 8, 12], [10, -2, 6, 4], [-1, -1, 15, 15]]) {
      expect(sameImage(F.padCrop(img, padding, mode, black, top, left, h, w), F.crop(paddedBlack, top, left, h, w))).toBe(true);
    }
  });

  it('parses torchvision\'s padding forms and refuses three values', () => {
    expect(F.parsePadding(2)).toEqual({ left: 2, top: 2, right: 2, bottom: 2 });
    expect(F.parsePadding([1, 2])).toEqual({ left: 1, top: 2, right: 1, bottom: 2 });
    expect(F.parsePadding([1, 2, 3, 4])).toEqual({ left: 1, top: 2, right: 3, bottom: 4 });
    expect(() => F.parsePadding([1, 2, 3])).toThrow('padding must have 1, 2 or 4 values, got 3');
  });
});

describe('fill colours', () => {
  it('repeats one level per channel and checks a list against the channel count', () => {
    expect(Array.from(fillColor(7, 3))).toEqual([7, 7, 7]);
    expect(Array.from(fillColor([1, 2, 3], 3))).toEqual([1, 2, 3]);
    expect(() => fillColor([1, 2, 3], 1)).toThrow(JobError);
  });
});

describe('float32 conversion', () => {
  it('without normalize is ToTensor: v / 255 in float32', () => {
    const img = testImage(2, 3, 3);
    const out = new Float32Array(2 + img.data.length);
    F.writeFloat32(img, F.normalizeTable(null, 3), out, 2);
    expect(Array.from(out.subarray(2))).toEqual(Array.from(img.data, (v) => Math.fround(v / 255)));
    expect(out[0]).toBe(0);
  });
  it('applies one mean and std to every channel when given one', () => {
    const img = testImage(2, 2, 3);
    const out = new Float32Array(img.data.length);
    F.writeFloat32(img, F.normalizeTable({ mean: [0.5], std: [0.25] }, 3), out, 0);
    img.data.forEach((v, i) => expect(out[i]).toBeCloseTo((v / 255 - 0.5) / 0.25, 5));
  });
});

describe('resize', () => {
  it('returns an equal copy when the size does not change', () => {
    const img = testImage(5, 6, 1);
    const out = F.resize(img, 5, 6, 'bilinear');
    expect(sameImage(out, img)).toBe(true);
    expect(out.data).not.toBe(img.data);
  });
  it('computes the other side as int(size * long / short)', () => {
    expect(F.resizedSize(64, 48, [56])).toEqual([74, 56]);
    expect(F.resizedSize(48, 64, [56])).toEqual([56, 74]);
    expect(F.resizedSize(48, 64, [30, 20])).toEqual([30, 20]);
  });
});
