// Each randomised op is its parameter draw (torchvision's get_params, in its order) plus the
// fixed-parameter function: replaying the same generator by hand must give the same image.
import { describe, expect, it } from 'vitest';
import { compileChain } from '../../../src/data/augment/chain.js';
import * as F from '../../../src/data/augment/functional/index.js';
import { roundHalfEven } from '../../../src/data/augment/functional/rounding.js';
import type { Image } from '../../../src/data/augment/image.js';
import type { ResolvedAugmentStep } from '../../../src/data/augment/steps.js';
import { Rng } from '../../../src/data/random.js';
import { replay, sameImage, testImage } from './helpers.js';

const rgb = testImage(24, 20, 3);
const grey = testImage(17, 23, 1, 2);
const black3 = new Uint8Array(3);

/** Runs one step through the chain runner, and the hand-made expectation on a replayed generator. */
function check(step: ResolvedAugmentStep, img: Image, expected: (r: Rng) => Image, seeds = 6): void {
  const chain = compileChain([step]);
  for (let seed = 0; seed < seeds; seed++) {
    const rng = Rng.from(seed, 'ops-test');
    const want = expected(replay(rng));
    expect(sameImage(chain.apply(img, rng), want)).toBe(true);
  }
}

describe('random_crop', () => {
  const base = { op: 'random_crop', padding: 0, pad_if_needed: false, fill: 0, padding_mode: 'constant' } as const;

  it('crops at (randint(h - th + 1), randint(w - tw + 1)), row first', () => {
    check({ ...base, size: [10, 7] }, rgb, (r) => {
      const top = r.int(24 - 10 + 1), left = r.int(20 - 7 + 1);
      return F.crop(rgb, top, left, 10, 7);
    });
  });

  it.each(['constant', 'edge', 'reflect', 'symmetric'] as const)('pads with %s, then crops (one pass, same pixels)', (mode) => {
    const padding = [3, 1, 2, 5];
    check({ ...base, size: 16, padding, fill: [9, 8, 7], padding_mode: mode }, rgb, (r) => {
      const padded = F.pad(rgb, F.parsePadding(padding), Uint8Array.of(9, 8, 7), mode);
      const top = r.int(padded.height - 16 + 1), left = r.int(padded.width - 16 + 1);
      return F.crop(padded, top, left, 16, 16);
    });
  });

  it('pad_if_needed pads the short axis by the shortfall on both sides, pass after pass', () => {
    check({ ...base, size: [30, 26], padding: 1, pad_if_needed: true, padding_mode: 'reflect' }, rgb, (r) => {
      let img = F.pad(rgb, F.parsePadding(1), black3, 'reflect'); // 26 x 22
      img = F.pad(img, F.parsePadding([26 - 22, 0]), black3, 'reflect');
      img = F.pad(img, F.parsePadding([0, 30 - 26]), black3, 'reflect');
      return F.crop(img, r.int(img.height - 30 + 1), r.int(img.width - 26 + 1), 30, 26);
    });
  });

  it('draws nothing when the crop is the whole image', () => {
    const rng = Rng.from(5);
    const before = rng.state();
    expect(sameImage(compileChain([{ ...base, size: [24, 20] }]).apply(rgb, rng), rgb)).toBe(true);
    expect(rng.state()).toEqual(before);
  });
});

describe('flips', () => {
  it.each([0, 0.3, 1])('random_horizontal_flip(p=%s) flips when a draw is below p', (p) => {
    check({ op: 'random_horizontal_flip', p }, rgb, (r) => (r.float() < p ? F.hflip(rgb) : rgb));
  });
  it.each([0, 0.6, 1])('random_vertical_flip(p=%s) flips when a draw is below p', (p) => {
    check({ op: 'random_vertical_flip', p }, grey, (r) => (r.float() < p ? F.vflip(grey) : grey));
  });
});

describe('center_crop and resize (no draws)', () => {
  it('center_crop is F.center_crop', () => {
    check({ op: 'center_crop', size: [11, 9] }, rgb, () => F.centerCrop(rgb, 11, 9), 1);
    check({ op: 'center_crop', size: 30 }, grey, () => F.centerCrop(grey, 30, 30), 1);
  });
  it('resize of one number sets the shorter side', () => {
    check({ op: 'resize', size: 10, interpolation: 'bilinear' }, rgb, () => F.resize(rgb, 12, 10, 'bilinear'), 1);
    check({ op: 'resize', size: [7, 30], interpolation: 'nearest' }, grey, () => F.resize(grey, 7, 30, 'nearest'), 1);
  });
});

describe('random_rotation', () => {
  it('draws the angle uniformly from [-d, d] and rotates with the options', () => {
    const fill = Uint8Array.of(1, 2, 3);
    check({ op: 'random_rotation', degrees: 20, interpolation: 'nearest', expand: false, center: null, fill: [1, 2, 3] }, rgb, (r) =>
      F.rotate(rgb, r.uniform(-20, 20), { interpolation: 'nearest', expand: false, center: null, fill }));
  });
  it('takes [min, max], bilinear, a centre and expand', () => {
    check({ op: 'random_rotation', degrees: [10, 80], interpolation: 'bilinear', expand: true, center: [3, 4], fill: 7 }, grey, (r) =>
      F.rotate(grey, r.uniform(10, 80), { interpolation: 'bilinear', expand: true, center: [3, 4], fill: Uint8Array.of(7) }));
  });
});

describe('color_jitter', () => {
  it('draws a permutation, then the factors in b, c, s, h order, and applies them in the permuted order', () => {
    const step = { op: 'color_jitter', brightness: 0.2, contrast: [0.9, 1.08], saturation: 0.5, hue: 0.1 } as const;
    check(step, rgb, (r) => {
      const order = [0, 1, 2, 3];
      r.shuffle(order);
      const f = [r.uniform(0.8, 1.2), r.uniform(0.9, 1.08), r.uniform(0.5, 1.5), r.uniform(-0.1, 0.1)];
      const fns = [F.adjustBrightness, F.adjustContrast, F.adjustSaturation, F.adjustHue];
      return order.reduce((img, i) => fns[i](img, f[i]), rgb);
    });
  });
  it('skips adjustments whose range is exactly the identity, drawing no factor for them', () => {
    const step = { op: 'color_jitter', brightness: 0, contrast: [0.9, 1.08], saturation: [1, 1], hue: 0 } as const;
    check(step, rgb, (r) => {
      r.shuffle([0, 1, 2, 3]);
      return F.adjustContrast(rgb, r.uniform(0.9, 1.08));
    });
  });
  it('clips the lower end of a one-number range at 0', () => {
    check({ op: 'color_jitter', brightness: 1.5, contrast: 0, saturation: 0, hue: 0 }, grey, (r) => {
      r.shuffle([0, 1, 2, 3]);
      return F.adjustBrightness(grey, r.uniform(0, 2.5));
    });
  });
});

describe('gaussian_blur', () => {
  it('draws one sigma for both axes', () => {
    check({ op: 'gaussian_blur', kernel_size: 3, sigma: [0.1, 2] }, rgb, (r) => {
      const s = r.uniform(0.1, 2);
      return F.gaussianBlur(rgb, [3, 3], [s, s]);
    });
  });
  it('reads kernel_size [kx, ky] in torchvision\'s order, width first', () => {
    check({ op: 'gaussian_blur', kernel_size: [5, 3], sigma: 1.3 }, grey, () => F.gaussianBlur(grey, [5, 3], [1.3, 1.3]), 1);
    expect(sameImage(F.gaussianBlur(grey, [5, 3], [1.3, 1.3]), F.gaussianBlur(grey, [3, 5], [1.3, 1.3]))).toBe(false);
  });
});

describe('random_affine', () => {
  it('draws angle, dx, dy (rounded half to even), scale, shear x, shear y in that order', () => {
    const step = { op: 'random_affine', degrees: 45, translate: [0.2, 0.1], scale: [0.8, 1.2], shear: [-5, 5, -3, 9], interpolation: 'bilinear', fill: 4, center: null } as const;
    check(step, rgb, (r) => {
      const angle = r.uniform(-45, 45);
      const tx = roundHalfEven(r.uniform(-0.2 * 20, 0.2 * 20)), ty = roundHalfEven(r.uniform(-0.1 * 24, 0.1 * 24));
      const scale = r.uniform(0.8, 1.2), sx = r.uniform(-5, 5), sy = r.uniform(-3, 9);
      return F.affine(rgb, { angle, translate: [tx, ty], scale, shear: [sx, sy] }, { interpolation: 'bilinear', fill: Uint8Array.of(4, 4, 4), center: null });
    });
  });
  it('with the DenseNet settings: one number of shear is an x-shear in [-s, s], no scale draw', () => {
    const step = { op: 'random_affine', degrees: 45, translate: [0.2, 0.2], scale: null, shear: 16, interpolation: 'nearest', fill: 0, center: null } as const;
    check(step, grey, (r) => {
      const angle = r.uniform(-45, 45);
      const tx = roundHalfEven(r.uniform(-0.2 * 23, 0.2 * 23)), ty = roundHalfEven(r.uniform(-0.2 * 17, 0.2 * 17));
      return F.affine(grey, { angle, translate: [tx, ty], scale: 1, shear: [r.uniform(-16, 16), 0] }, { interpolation: 'nearest', fill: Uint8Array.of(0), center: null });
    });
  });
});
