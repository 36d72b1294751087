// Normalize (with ToTensor): the one step whose output is float. It must be the last step of a
// chain; the chain runner does not run it on uint8 images but hands mean and std to the batch
// loader, which applies them while writing the batch as float32 (functional/normalize.ts).

import type { AugmentOp } from '../op.js';
import { stepSchema } from '../schema.js';

export interface NormalizeStep {
  readonly op: 'normalize';
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

const description = 'Scales pixels to 0..1 and standardises each channel: (v / 255 - mean) / std (torchvision ToTensor + Normalize). Last step only.';

export const normalize: AugmentOp<NormalizeStep> = {
  name: 'normalize',
  description,
  schema: stepSchema('normalize', description, {
    mean: { description: 'Mean per channel in ToTensor units (0..1), or one value for every channel.', type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 3 },
    std: { description: 'Standard deviation per channel in ToTensor units (0..1), or one value for every channel.', type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, maxItems: 3 },
  }, ['mean', 'std']),
  compile(step, ctx) {
    const bad = step.std.find((s) => !(s > 0));
    if (bad !== undefined) throw ctx.fail(`std must be positive, got ${bad}`);
    return {
      normalize: { mean: step.mean, std: step.std },
      apply: (img) => img,
      outputShape(input) {
        for (const [name, values] of [['mean', step.mean], ['std', step.std]] as const) {
          if (input.channels !== null && values.length !== 1 && values.length !== input.channels) {
            throw ctx.fail(`${name} has ${values.length} values but the images have ${input.channels} channel(s)`, 'give one value per channel, or one for all');
          }
        }
        return input;
      },
    };
  },
};
