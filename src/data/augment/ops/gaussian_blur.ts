// GaussianBlur: sigma drawn uniformly from its range, the same sigma on both axes.

import { gaussianBlur as blur } from '../functional/blur.js';
import type { AugmentOp } from '../op.js';
import { orderedPair } from '../params.js';
import { rangeSchema, stepSchema } from '../schema.js';

export interface GaussianBlurStep {
  readonly op: 'gaussian_blur';
  readonly kernel_size: number | readonly number[];
  readonly sigma: number | readonly number[];
}

const description = 'Blurs with a Gaussian kernel whose sigma is drawn uniformly from `sigma` (torchvision GaussianBlur).';

export const gaussianBlur: AugmentOp<GaussianBlurStep> = {
  name: 'gaussian_blur',
  description,
  schema: stepSchema('gaussian_blur', description, {
    kernel_size: {
      description: 'Kernel size in pixels, odd: k for k x k, or [kx, ky] (torchvision\'s order: width first).',
      anyOf: [{ type: 'integer', minimum: 1 }, { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 2 }],
    },
    sigma: rangeSchema('Standard deviation of the kernel in pixels: one value, or [min, max] to draw from.', { type: 'number', exclusiveMinimum: 0 }, [0.1, 2.0]),
  }, ['kernel_size']),
  compile(step, ctx) {
    const k = typeof step.kernel_size === 'number' ? [step.kernel_size, step.kernel_size] : step.kernel_size;
    const kernel: [number, number] = k.length === 1 ? [k[0], k[0]] : [k[0], k[1]];
    if (kernel.some((v) => v <= 0 || v % 2 === 0)) throw ctx.fail(`kernel_size must be odd and positive, got ${JSON.stringify(step.kernel_size)}`);
    const [lo, hi] = typeof step.sigma === 'number' ? [step.sigma, step.sigma] : orderedPair(step.sigma, 'sigma', ctx);
    if (!(lo > 0)) throw ctx.fail(`sigma must be positive, got ${JSON.stringify(step.sigma)}`);
    return {
      apply(img, rng) {
        const sigma = rng.uniform(lo, hi);
        return blur(img, kernel, [sigma, sigma]);
      },
      outputShape: (input) => input,
    };
  },
};
