// CenterCrop: the central box of `size`; a smaller image is padded with zeros first.

import { centerCrop as centerCropImage } from '../functional/geometry.js';
import type { AugmentOp } from '../op.js';
import { type SizeParam, toSize } from '../params.js';
import { sizeSchema, stepSchema } from '../schema.js';

export interface CenterCropStep {
  readonly op: 'center_crop';
  readonly size: SizeParam;
}

const description = 'Crops the central box of `size`; offsets round half to even (torchvision CenterCrop).';

export const centerCrop: AugmentOp<CenterCropStep> = {
  name: 'center_crop',
  description,
  schema: stepSchema('center_crop', description, { size: sizeSchema('Size of the crop; an image smaller than it is padded with black first.') }, ['size']),
  compile(step) {
    const [h, w] = toSize(step.size);
    return {
      apply: (img) => centerCropImage(img, h, w),
      outputShape: (input) => ({ height: h, width: w, channels: input.channels }),
    };
  },
};
