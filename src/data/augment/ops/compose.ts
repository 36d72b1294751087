// Compose: steps in order; the way to put several steps into one random_choice option.

import type { AugmentOp } from '../op.js';
import type { ResolvedAugmentStep } from '../steps.js';
import { nestedStep, stepSchema } from '../schema.js';

export interface ComposeStep {
  readonly op: 'compose';
  readonly chain: readonly ResolvedAugmentStep[];
}

const description = 'Runs `chain` in order (torchvision Compose).';

export const compose: AugmentOp<ComposeStep> = {
  name: 'compose',
  description,
  schema: stepSchema('compose', description, {
    chain: { description: 'The steps, run in order.', type: 'array', items: nestedStep },
  }, ['chain']),
  compile(step, ctx) {
    return ctx.compileNested(step.chain, `${ctx.path}.chain`);
  },
};
