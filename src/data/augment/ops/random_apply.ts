// RandomApply: the whole chain, or nothing, decided by one draw per image.

import type { AugmentOp } from '../op.js';
import type { ResolvedAugmentStep } from '../steps.js';
import { mergeShapes } from '../shapes.js';
import { nestedStep, probability, stepSchema } from '../schema.js';

export interface RandomApplyStep {
  readonly op: 'random_apply';
  readonly p: number;
  readonly chain: readonly ResolvedAugmentStep[];
}

const description = 'Runs all of `chain` with probability p, else leaves the image as it is (torchvision RandomApply).';

export const randomApply: AugmentOp<RandomApplyStep> = {
  name: 'random_apply',
  description,
  schema: stepSchema('random_apply', description, {
    p: probability('Chance of running the chain.', 0.5),
    chain: { description: 'The steps, run in order when the draw says so.', type: 'array', items: nestedStep },
  }, ['chain']),
  compile(step, ctx) {
    const inner = ctx.compileNested(step.chain, `${ctx.path}.chain`);
    return {
      // torchvision skips when p < rand; drawing below p instead differs only on a draw of
      // exactly p (chance 2^-32) and makes p = 0 never apply.
      apply: (img, rng) => (rng.float() < step.p ? inner.apply(img, rng) : img),
      outputShape: (input) => mergeShapes([input, inner.outputShape(input)]),
    };
  },
};
