// RandomAffine: angle, translation, scale and shear drawn as torchvision's get_params does, then
// F.affine about the centre.

import { affine } from '../functional/affine.js';
import { roundHalfEven } from '../functional/rounding.js';
import type { Interpolation } from '../functional/transform.js';
import type { AugmentOp, CompileContext } from '../op.js';
import { checkFill, fillCache, type FillParam, orderedPair, type RangeParam, symmetricRange } from '../params.js';
import { centerSchema, fillSchema, interpolationSchema, rangeSchema, stepSchema } from '../schema.js';

export interface RandomAffineStep {
  readonly op: 'random_affine';
  readonly degrees: RangeParam;
  readonly translate: readonly [number, number] | null;
  readonly scale: readonly [number, number] | null;
  readonly shear: RangeParam | null;
  readonly interpolation: Interpolation;
  readonly fill: FillParam;
  readonly center: readonly [number, number] | null;
}

const description = 'A random rotation, translation, scale and shear about the centre (torchvision RandomAffine).';

export const randomAffine: AugmentOp<RandomAffineStep> = {
  name: 'random_affine',
  description,
  schema: stepSchema('random_affine', description, {
    degrees: rangeSchema('Range of clockwise rotation in degrees: d for [-d, d], or [min, max]; 0 for none.', { type: 'number' }),
    translate: {
      description: 'Largest shift as fractions [a, b] of width and height: dx is drawn from (-a w, a w) and rounded to whole pixels, dy likewise; null for none.',
      anyOf: [{ type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, minItems: 2, maxItems: 2 }, { type: 'null' }],
      default: null,
    },
    scale: {
      description: 'Range [min, max] of the scale factor (1 keeps the size); null for none.',
      anyOf: [{ type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 2, maxItems: 2 }, { type: 'null' }],
      default: null,
    },
    shear: {
      description: 'Shear in degrees: s for an x-shear in [-s, s], [min, max] for an x-shear, [xmin, xmax, ymin, ymax] for both axes; null for none.',
      anyOf: [{ type: 'number', minimum: 0 }, { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 4, not: { minItems: 3, maxItems: 3 } }, { type: 'null' }],
      default: null,
    },
    interpolation: interpolationSchema('nearest'),
    fill: fillSchema('Colour of the area outside the transformed image.', 0),
    center: centerSchema(),
  }, ['degrees']),
  compile(step, ctx) {
    const degrees = symmetricRange(step.degrees, 'degrees', ctx);
    const scale = step.scale ? orderedPair(step.scale, 'scale', ctx) : null;
    const shear = step.shear === null ? null : shearRanges(step.shear, ctx);
    const fill = fillCache(step.fill);
    return {
      apply(img, rng) {
        // get_params, in its order: angle, translation (width then height), scale, shear x, shear y.
        const angle = rng.uniform(degrees[0], degrees[1]);
        let tx = 0, ty = 0;
        if (step.translate) {
          const maxDx = step.translate[0] * img.width, maxDy = step.translate[1] * img.height;
          tx = roundHalfEven(rng.uniform(-maxDx, maxDx));
          ty = roundHalfEven(rng.uniform(-maxDy, maxDy));
        }
        const s = scale ? rng.uniform(scale[0], scale[1]) : 1;
        const sx = shear ? rng.uniform(shear[0], shear[1]) : 0;
        const sy = shear && shear.length === 4 ? rng.uniform(shear[2], shear[3]) : 0;
        return affine(img, { angle, translate: [tx, ty], scale: s, shear: [sx, sy] }, { interpolation: step.interpolation, fill: fill(img.channels), center: step.center });
      },
      outputShape(input) {
        checkFill(step.fill, input.channels, 'fill', ctx);
        return input;
      },
    };
  },
};

/** _setup_angle for shear: s -> [-s, s]; pairs must be ordered. */
function shearRanges(shear: RangeParam, ctx: CompileContext): number[] {
  if (typeof shear === 'number' || shear.length === 2) return symmetricRange(shear, 'shear', ctx);
  if (shear.length !== 4) throw ctx.fail(`shear must have 1, 2 or 4 values, got ${JSON.stringify(shear)}`);
  return [...orderedPair(shear.slice(0, 2), 'shear x range', ctx), ...orderedPair(shear.slice(2), 'shear y range', ctx)];
}
