// The chain runner: determinism from the seed, fresh draws per call, the trailing normalize,
// shape inference, and the compile-time errors with their locations.
import { describe, expect, it } from 'vitest';
import { augmentRng, compileChain } from '../../../src/data/augment/chain.js';
import type { ResolvedAugmentStep } from '../../../src/data/augment/steps.js';
import { InputError, JobError } from '../../../src/errors.js';
import { Rng } from '../../../src/data/random.js';
import { sameImage, testImage } from './helpers.js';

const densenet: ResolvedAugmentStep[] = [{
  op: 'random_apply', p: 0.5, chain: [
    { op: 'random_horizontal_flip', p: 0.5 },
    { op: 'random_vertical_flip', p: 0.2 },
    { op: 'gaussian_blur', kernel_size: 3, sigma: [0.1, 2.0] },
    { op: 'random_crop', size: 64, padding: 10, pad_if_needed: false, fill: 0, padding_mode: 'constant' },
    { op: 'random_affine', degrees: 45, translate: [0.2, 0.2], scale: null, shear: 16, interpolation: 'nearest', fill: 0, center: null },
  ],
}];
const resnet: ResolvedAugmentStep[] = [
  { op: 'random_crop', size: 56, padding: 0, pad_if_needed: false, fill: 0, padding_mode: 'constant' },
  { op: 'random_choice', p: null, choices: [
    { op: 'random_horizontal_flip', p: 0.6 },
    { op: 'random_vertical_flip', p: 0.6 },
    { op: 'random_rotation', degrees: 20, interpolation: 'nearest', expand: false, center: null, fill: 0 },
    { op: 'color_jitter', brightness: 0, contrast: [0.9, 1.08], saturation: 0, hue: 0 },
  ] },
];
const img = testImage(64, 64, 3);

/** The first error compileChain throws, for asserting its exact text. */
function compileError(steps: unknown[], options = {}): InputError {
  try {
    compileChain(steps as ResolvedAugmentStep[], options);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('compiled without error');
}

describe('compileChain', () => {
  it('gives the same images for the same seed, and different ones for another seed', () => {
    const chain = compileChain(densenet);
    const run = (seed: number) => Array.from({ length: 12 }, (_, i) => chain.apply(img, augmentRng(seed, 0, i)));
    const a = run(3), b = run(3), c = run(4);
    expect(a.every((x, i) => sameImage(x, b[i]))).toBe(true);
    expect(a.filter((x, i) => !sameImage(x, c[i])).length).toBeGreaterThan(3);
  });

  it('draws fresh parameters on every call: an image gets a new augmentation each epoch', () => {
    const chain = compileChain(densenet.flatMap((s) => (s.op === 'random_apply' ? s.chain : [s])));
    const rng = Rng.from(11);
    const outs = Array.from({ length: 6 }, () => chain.apply(img, rng));
    for (let i = 1; i < outs.length; i++) expect(sameImage(outs[i], outs[0])).toBe(false);
    expect(sameImage(chain.apply(img, augmentRng(1, 0, 5)), chain.apply(img, augmentRng(1, 1, 5)))).toBe(false);
  });

  it('gives an image the same augmentation whatever order the images are processed in', () => {
    const chain = compileChain(resnet);
    const forward = [0, 1, 2, 3].map((i) => chain.apply(testImage(64, 64, 3, i), augmentRng(9, 2, i)));
    const backward = [3, 2, 1, 0].map((i) => chain.apply(testImage(64, 64, 3, i), augmentRng(9, 2, i))).reverse();
    expect(forward.every((x, i) => sameImage(x, backward[i]))).toBe(true);
  });

  it('never writes into its input', () => {
    const copy = img.data.slice();
    const chain = compileChain([...densenet, { op: 'cutout', num_holes: 12, max_h_size: 16, max_w_size: 16, fill_value: 0, p: 1 }]);
    for (let i = 0; i < 20; i++) chain.apply(img, augmentRng(0, 0, i));
    expect(Buffer.from(img.data).equals(Buffer.from(copy))).toBe(true);
  });

  it('infers the output shape of the report\'s chains', () => {
    const input = { height: 64, width: 64, channels: 3 };
    expect(compileChain(resnet).outputShape(input)).toEqual({ height: 56, width: 56, channels: 3 });
    expect(compileChain(densenet).outputShape(input)).toEqual(input);
    expect(compileChain([{ op: 'center_crop', size: 56 }]).outputShape(input)).toEqual({ height: 56, width: 56, channels: 3 });
    expect(compileChain([]).outputShape(input)).toEqual(input);
  });

  it('marks sizes that vary per image as unknown (null)', () => {
    const expand = { op: 'random_rotation', degrees: 30, interpolation: 'nearest', expand: true, center: null, fill: 0 } as const;
    expect(compileChain([expand]).outputShape({ height: 64, width: 64, channels: 3 })).toEqual({ height: null, width: null, channels: 3 });
    expect(compileChain([{ ...expand, degrees: [90, 90] }]).outputShape({ height: 20, width: 30, channels: 1 })).toEqual({ height: 30, width: 20, channels: 1 });
    const choice: ResolvedAugmentStep = { op: 'random_choice', p: null, choices: [{ op: 'center_crop', size: 10 }, { op: 'center_crop', size: [10, 12] }] };
    expect(compileChain([choice]).outputShape({ height: 64, width: 64, channels: 3 })).toEqual({ height: 10, width: null, channels: 3 });
  });

  it('hands a trailing normalize to the batch loader instead of running it', () => {
    const chain = compileChain([{ op: 'center_crop', size: 8 }, { op: 'normalize', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }]);
    expect(chain.normalize).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const out = chain.apply(img, Rng.from(0));
    expect(out.data).toBeInstanceOf(Uint8Array);
    expect([out.height, out.width]).toEqual([8, 8]);
    expect(compileChain(resnet).normalize).toBeNull();
  });
});

describe('compile-time errors name the step and the value', () => {
  it('refuses normalize anywhere but last', () => {
    const e = compileError([{ op: 'normalize', mean: [0.5], std: [0.5] }, { op: 'random_vertical_flip', p: 0.5 }], { path: 'augment.train' });
    expect(e.message).toBe('augment.train[0]: normalize must be the last step of a chain, outside random_apply, random_choice and compose (it turns uint8 pixels into floats, after which no other step can run)');
    const nested = compileError([{ op: 'random_apply', p: 0.5, chain: [{ op: 'normalize', mean: [0.5], std: [0.5] }] }]);
    expect(nested.diagnostics[0].path).toBe('augment[0].chain[0]');
    const choice = compileError([{ op: 'random_choice', p: null, choices: [{ op: 'random_vertical_flip', p: 1 }, { op: 'gaussian_blur', kernel_size: 2, sigma: 1 }] }]);
    expect(choice.message).toBe('augment[0].choices[1]: gaussian_blur: kernel_size must be odd and positive, got 2');
  });

  it('lists the known ops for an unknown one', () => {
    const e = compileError([{ op: 'random_erasing', p: 0.5 }]);
    expect(e.message).toMatch(/^augment\[0\]: unknown augmentation op 'random_erasing' \(known ops: random_crop, center_crop, resize, /);
  });

  it('checks what the schema cannot', () => {
    const cases: [unknown, string][] = [
      [{ op: 'gaussian_blur', kernel_size: 4, sigma: 1 }, 'augment[0]: gaussian_blur: kernel_size must be odd and positive, got 4'],
      [{ op: 'gaussian_blur', kernel_size: 3, sigma: [2, 1] }, 'augment[0]: gaussian_blur: sigma must be [min, max] with min <= max, got [2,1]'],
      [{ op: 'color_jitter', brightness: 0, contrast: [1.2, 0.9], saturation: 0, hue: 0 }, 'augment[0]: color_jitter: contrast must be [min, max] with min <= max, got [1.2,0.9]'],
      [{ op: 'color_jitter', brightness: 0, contrast: 0, saturation: 0, hue: 0.7 }, 'augment[0]: color_jitter: hue must lie within [-0.5, 0.5], got 0.7'],
      [{ op: 'color_jitter', brightness: 0, contrast: 0, saturation: 0, hue: -0.2 }, 'augment[0]: color_jitter: hue must not be negative when it is one number, got -0.2 (write [min, max] for a one-sided range)'],
      [{ op: 'color_jitter', brightness: -0.5, contrast: 0, saturation: 0, hue: 0 }, 'augment[0]: color_jitter: brightness must not be negative when it is one number, got -0.5'],
      [{ op: 'random_rotation', degrees: -5, interpolation: 'nearest', expand: false, center: null, fill: 0 }, 'augment[0]: random_rotation: degrees must not be negative when it is one number, got -5 (write [min, max] for a one-sided range)'],
      [{ op: 'random_choice', p: [1, 2], choices: [{ op: 'random_vertical_flip', p: 1 }] }, 'augment[0]: random_choice: p has 2 weights for 1 choices'],
      [{ op: 'random_choice', p: [0], choices: [{ op: 'random_vertical_flip', p: 1 }] }, 'augment[0]: random_choice: the weights in p must not all be zero'],
      [{ op: 'normalize', mean: [0.5], std: [0] }, 'augment[0]: normalize: std must be positive, got 0'],
    ];
    for (const [step, message] of cases) expect(compileError([step]).message).toBe(message);
  });

  it('checks shapes against the input when it is known', () => {
    const crop = { op: 'random_crop', size: 64, padding: 0, pad_if_needed: false, fill: [1, 2, 3], padding_mode: 'constant' };
    expect(compileError([crop], { input: { height: 56, width: 56, channels: 3 } }).message)
      .toBe('augment[0]: random_crop: crop 64x64 is larger than the 56x56 (padded) image (set pad_if_needed: true or add padding)');
    expect(compileError([crop], { input: { channels: 1 } }).message)
      .toBe('augment[0]: random_crop: fill has 3 values but the images have 1 channel(s) (give one grey level, or one value per channel)');
    expect(compileError([{ op: 'normalize', mean: [0.5, 0.5], std: [0.2] }], { input: { channels: 3 } }).message)
      .toBe('augment[0]: normalize: mean has 2 values but the images have 3 channel(s) (give one value per channel, or one for all)');
    expect(() => compileChain([{ ...crop, padding: 4 } as ResolvedAugmentStep], { input: { height: 56, width: 56, channels: 3 } })).not.toThrow();
  });

  it('fails at run time, as a job error naming the step, on an image smaller than a fixed crop', () => {
    const chain = compileChain([{ op: 'random_crop', size: 64, padding: 0, pad_if_needed: false, fill: 0, padding_mode: 'constant' }], { path: 'augment.x' });
    expect(() => chain.apply(testImage(32, 64, 3), Rng.from(0))).toThrow(JobError);
    expect(() => chain.apply(testImage(32, 64, 3), Rng.from(0))).toThrow('augment.x[0]: random_crop: crop 64x64 is larger than the 32x64 (padded) image');
  });
});
