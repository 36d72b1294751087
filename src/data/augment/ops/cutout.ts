// Cutout as albumentations 1.x defines it (augmentations/dropout/cutout.py): applied with
// probability p; each of num_holes holes is centred on a point drawn uniformly from
// [0, height] x [0, width] (both ends included: random.randint), has the full max_h_size x
// max_w_size size, and is clipped to the image. Despite the names, holes are never smaller
// than the maximum except where the border clips them.

import { cutout as cutoutImage, type Hole } from '../functional/cutout.js';
import type { Rng } from '../../random.js';
import type { AugmentOp } from '../op.js';
import { checkFill, fillCache, type FillParam } from '../params.js';
import { fillSchema, probability, stepSchema } from '../schema.js';

export interface CutoutStep {
  readonly op: 'cutout';
  readonly num_holes: number;
  readonly max_h_size: number;
  readonly max_w_size: number;
  readonly fill_value: FillParam;
  readonly p: number;
}

const description = 'Paints num_holes rectangles of max_h_size x max_w_size at random centres (albumentations 1.x Cutout).';

export const cutout: AugmentOp<CutoutStep> = {
  name: 'cutout',
  description,
  schema: stepSchema('cutout', description, {
    num_holes: { description: 'Number of holes (they may overlap).', type: 'integer', minimum: 0, default: 8 },
    max_h_size: { description: 'Height of every hole in pixels (less only where clipped by the border).', type: 'integer', minimum: 1, default: 8 },
    max_w_size: { description: 'Width of every hole in pixels (less only where clipped by the border).', type: 'integer', minimum: 1, default: 8 },
    fill_value: fillSchema('Colour of the holes.', 0),
    p: probability('Chance of applying the transform to an image (albumentations\' own default, 0.5).', 0.5),
  }),
  compile(step, ctx) {
    const fill = fillCache(step.fill_value);
    return {
      apply(img, rng) {
        if (!(rng.float() < step.p)) return img;
        return cutoutImage(img, drawHoles(img.height, img.width, step, rng), fill(img.channels));
      },
      outputShape(input) {
        checkFill(step.fill_value, input.channels, 'fill_value', ctx);
        return input;
      },
    };
  },
};

/** get_params_dependent_on_targets: y then x per hole; y1 = clip(y - h // 2), y2 = clip(y1 + h). */
export function drawHoles(height: number, width: number, step: Pick<CutoutStep, 'num_holes' | 'max_h_size' | 'max_w_size'>, rng: Rng): Hole[] {
  const clip = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  const holes: Hole[] = [];
  for (let n = 0; n < step.num_holes; n++) {
    const y = rng.intInclusive(0, height);
    const x = rng.intInclusive(0, width);
    const y1 = clip(y - Math.floor(step.max_h_size / 2), height);
    const x1 = clip(x - Math.floor(step.max_w_size / 2), width);
    holes.push({ x1, y1, x2: clip(x1 + step.max_w_size, width), y2: clip(y1 + step.max_h_size, height) });
  }
  return holes;
}
