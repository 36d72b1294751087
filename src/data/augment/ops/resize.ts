// Resize: PIL's resampling, antialiased when shrinking, as torchvision does on PIL images.

import { resize as resizeImage, resizedSize } from '../functional/resize.js';
import type { Interpolation } from '../functional/transform.js';
import type { AugmentOp } from '../op.js';
import type { SizeParam } from '../params.js';
import { interpolationSchema, stepSchema } from '../schema.js';

export interface ResizeStep {
  readonly op: 'resize';
  readonly size: SizeParam;
  readonly interpolation: Interpolation;
}

const description = 'Resizes to [height, width], or the shorter side to n keeping the aspect ratio (torchvision Resize on PIL images).';

export const resize: AugmentOp<ResizeStep> = {
  name: 'resize',
  description,
  schema: stepSchema('resize', description, {
    size: {
      description: 'Output size in pixels: [height, width], or n for the shorter side (the longer becomes int(n * long / short)).',
      anyOf: [{ type: 'integer', minimum: 1 }, { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 2 }],
    },
    interpolation: interpolationSchema('bilinear'),
  }, ['size']),
  compile(step) {
    const size = typeof step.size === 'number' ? [step.size] : [...step.size];
    return {
      apply(img) {
        const [h, w] = resizedSize(img.height, img.width, size);
        return resizeImage(img, h, w, step.interpolation);
      },
      outputShape(input) {
        if (size.length === 2) return { height: size[0], width: size[1], channels: input.channels };
        if (input.height === null || input.width === null) return { height: null, width: null, channels: input.channels };
        const [h, w] = resizedSize(input.height, input.width, size);
        return { height: h, width: w, channels: input.channels };
      },
    };
  },
};
