// RandomVerticalFlip: mirrors top-bottom when a uniform draw is below p.

import { vflip } from '../functional/geometry.js';
import type { AugmentOp } from '../op.js';
import { probability, stepSchema } from '../schema.js';

export interface RandomVerticalFlipStep {
  readonly op: 'random_vertical_flip';
  readonly p: number;
}

const description = 'Mirrors the image top-bottom with probability p (torchvision RandomVerticalFlip).';

export const randomVerticalFlip: AugmentOp<RandomVerticalFlipStep> = {
  name: 'random_vertical_flip',
  description,
  schema: stepSchema('random_vertical_flip', description, { p: probability('Chance of flipping.', 0.5) }),
  compile(step) {
    return {
      apply: (img, rng) => (rng.float() < step.p ? vflip(img) : img),
      outputShape: (input) => input,
    };
  },
};
