// RandomRotation: an angle drawn uniformly from `degrees`, then PIL's rotate.

import { rotate } from '../functional/rotate.js';
import type { Interpolation } from '../functional/transform.js';
import type { AugmentOp } from '../op.js';
import { checkFill, fillCache, type FillParam, type RangeParam, symmetricRange } from '../params.js';
import { centerSchema, fillSchema, interpolationSchema, rangeSchema, stepSchema } from '../schema.js';

export interface RandomRotationStep {
  readonly op: 'random_rotation';
  readonly degrees: RangeParam;
  readonly interpolation: Interpolation;
  readonly expand: boolean;
  readonly center: readonly [number, number] | null;
  readonly fill: FillParam;
}

const description = 'Rotates counter-clockwise by an angle drawn uniformly from `degrees` (torchvision RandomRotation).';

export const randomRotation: AugmentOp<RandomRotationStep> = {
  name: 'random_rotation',
  description,
  schema: stepSchema('random_rotation', description, {
    degrees: rangeSchema('Range of angles in degrees: d for [-d, d], or [min, max].', { type: 'number' }),
    interpolation: interpolationSchema('nearest'),
    expand: { description: 'Grow the output to hold the whole rotated image (its size then depends on the angle).', type: 'boolean', default: false },
    center: centerSchema(),
    fill: fillSchema('Colour of the area outside the rotated image.', 0),
  }, ['degrees']),
  compile(step, ctx) {
    const [lo, hi] = symmetricRange(step.degrees, 'degrees', ctx);
    const fill = fillCache(step.fill);
    const fixedAngle = lo === hi;
    return {
      apply(img, rng) {
        const angle = rng.uniform(lo, hi);
        return rotate(img, angle, { interpolation: step.interpolation, expand: step.expand, center: step.center, fill: fill(img.channels) });
      },
      outputShape(input) {
        checkFill(step.fill, input.channels, 'fill', ctx);
        if (!step.expand) return input;
        // With expand the size follows the angle: known only for one fixed angle and a known input.
        if (!fixedAngle || input.height === null || input.width === null) return { height: null, width: null, channels: input.channels };
        const probe = rotate({ data: new Uint8Array(input.height * input.width), height: input.height, width: input.width, channels: 1 }, lo, {
          interpolation: 'nearest', expand: true, center: step.center, fill: new Uint8Array(1),
        });
        return { height: probe.height, width: probe.width, channels: input.channels };
      },
    };
  },
};
