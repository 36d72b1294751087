// RandomHorizontalFlip: mirrors left-right when a uniform draw is below p.

import { hflip } from '../functional/geometry.js';
import type { AugmentOp } from '../op.js';
import { probability, stepSchema } from '../schema.js';

export interface RandomHorizontalFlipStep {
  readonly op: 'random_horizontal_flip';
  readonly p: number;
}

const description = 'Mirrors the image left-right with probability p (torchvision RandomHorizontalFlip).';

export const randomHorizontalFlip: AugmentOp<RandomHorizontalFlipStep> = {
  name: 'random_horizontal_flip',
  description,
  schema: stepSchema('random_horizontal_flip', description, { p: probability('Chance of flipping.', 0.5) }),
  compile(step) {
    return {
      apply: (img, rng) => (rng.float() < step.p ? hflip(img) : img),
      outputShape: (input) => input,
    };
  },
};
