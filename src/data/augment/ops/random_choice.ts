// RandomChoice: exactly one of the choices per image, uniformly or by weights (Python's
// random.choices: a uniform draw scaled by the total, located in the cumulative weights).

import type { AugmentOp } from '../op.js';
import type { ResolvedAugmentStep } from '../steps.js';
import { mergeShapes } from '../shapes.js';
import { nestedStep, stepSchema } from '../schema.js';

export interface RandomChoiceStep {
  readonly op: 'random_choice';
  readonly choices: readonly ResolvedAugmentStep[];
  readonly p: readonly number[] | null;
}

const description = 'Runs one of `choices`, picked at random per image (torchvision RandomChoice).';

export const randomChoice: AugmentOp<RandomChoiceStep> = {
  name: 'random_choice',
  description,
  schema: stepSchema('random_choice', description, {
    choices: { description: 'The options, one step each (use {op: compose, chain: [...]} for several).', type: 'array', items: nestedStep, minItems: 1 },
    p: {
      description: 'Relative weights of the choices (any non-negative numbers, one per choice); null for uniform.',
      anyOf: [{ type: 'array', items: { type: 'number', minimum: 0 } }, { type: 'null' }],
      default: null,
    },
  }, ['choices']),
  compile(step, ctx) {
    if (step.choices.length === 0) throw ctx.fail('choices must not be empty');
    const options = step.choices.map((s, i) => ctx.compileNestedStep(s, `${ctx.path}.choices[${i}]`));
    let cumulative: number[] | null = null;
    if (step.p !== null) {
      if (step.p.length !== step.choices.length) throw ctx.fail(`p has ${step.p.length} weights for ${step.choices.length} choices`);
      let total = 0;
      cumulative = step.p.map((w) => (total += w));
      if (!(total > 0)) throw ctx.fail('the weights in p must not all be zero');
    }
    const pick = (u: number): number => {
      if (!cumulative) return Math.floor(u * options.length);
      const target = u * cumulative[cumulative.length - 1];
      let i = 0;
      while (i < cumulative.length - 1 && cumulative[i] <= target) i++; // bisect_right
      return i;
    };
    return {
      apply: (img, rng) => options[pick(rng.float())].apply(img, rng),
      outputShape: (input) => mergeShapes(options.map((o) => o.outputShape(input))),
    };
  },
};
