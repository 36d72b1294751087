// RandomCrop: optional padding, optional pad_if_needed, then a crop at a uniform position
// (torch.randint over every offset that fits, row first). When pad_if_needed has nothing to add,
// padding and cropping run as one pass over the image.

import { type Padding, type PaddingMode, pad, padCrop, parsePadding } from '../functional/geometry.js';
import type { Image } from '../image.js';
import type { AugmentOp } from '../op.js';
import { checkFill, fillCache, type FillParam, type SizeParam, toSize } from '../params.js';
import { fillSchema, sizeSchema, stepSchema } from '../schema.js';

export interface RandomCropStep {
  readonly op: 'random_crop';
  readonly size: SizeParam;
  readonly padding: number | readonly number[];
  readonly pad_if_needed: boolean;
  readonly fill: FillParam;
  readonly padding_mode: PaddingMode;
}

const description = 'Crops a random box of `size`, after optional padding (torchvision RandomCrop).';

export const randomCrop: AugmentOp<RandomCropStep> = {
  name: 'random_crop',
  description,
  schema: stepSchema('random_crop', description, {
    size: sizeSchema('Size of the crop.'),
    padding: {
      description: 'Pixels added before cropping: n on every side, [left/right, top/bottom], or [left, top, right, bottom].',
      anyOf: [{ type: 'integer', minimum: 0 }, { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1, maxItems: 4, not: { minItems: 3, maxItems: 3 } }],
      default: 0,
    },
    pad_if_needed: { description: 'Pad an image smaller than `size` (by the shortfall on both sides of that axis) instead of failing.', type: 'boolean', default: false },
    fill: fillSchema('Colour of constant padding.', 0),
    padding_mode: {
      description: 'How padding is filled: constant (`fill`), edge (repeat the border pixel), reflect (mirror without repeating it), symmetric (mirror repeating it).',
      enum: ['constant', 'edge', 'reflect', 'symmetric'],
      default: 'constant',
    },
  }, ['size']),
  compile(step, ctx) {
    const [th, tw] = toSize(step.size);
    const padding = parsePadding(step.padding);
    const fill = fillCache(step.fill);
    const padded = (h: number, w: number): [number, number] => [h + padding.top + padding.bottom, w + padding.left + padding.right];
    return {
      apply(img, rng) {
        let [h, w] = padded(img.height, img.width);
        if (!step.pad_if_needed || (h >= th && w >= tw)) {
          if (h < th || w < tw) throw ctx.failAtRun(`crop ${th}x${tw} is larger than the ${h}x${w} (padded) image`, 'set pad_if_needed: true or add padding');
          const [top, left] = offsets(h, w, th, tw, rng);
          return padCrop(img, padding, step.padding_mode, fill(img.channels), top, left, th, tw);
        }
        // torchvision pads in up to three passes; with edge/reflect modes each pass mirrors the
        // previous result, so they are not one padding of the summed widths.
        let cur: Image = pad(img, padding, fill(img.channels), step.padding_mode);
        if (w < tw) cur = pad(cur, sides(tw - w, 0), fill(img.channels), step.padding_mode);
        if (h < th) cur = pad(cur, sides(0, th - h), fill(img.channels), step.padding_mode);
        [h, w] = [cur.height, cur.width];
        const [top, left] = offsets(h, w, th, tw, rng);
        return padCrop(cur, sides(0, 0), 'constant', fill(img.channels), top, left, th, tw);
      },
      outputShape(input) {
        checkFill(step.fill, input.channels, 'fill', ctx);
        if (!step.pad_if_needed && input.height !== null && input.width !== null) {
          const [h, w] = padded(input.height, input.width);
          if (h < th || w < tw) throw ctx.fail(`crop ${th}x${tw} is larger than the ${h}x${w} (padded) image`, 'set pad_if_needed: true or add padding');
        }
        return { height: th, width: tw, channels: input.channels };
      },
    };
  },
};

/** RandomCrop.get_params: no draw when the crop is the whole image, else row then column. */
function offsets(h: number, w: number, th: number, tw: number, rng: { int(n: number): number }): [number, number] {
  if (h === th && w === tw) return [0, 0];
  const top = rng.int(h - th + 1);
  const left = rng.int(w - tw + 1);
  return [top, left];
}

function sides(x: number, y: number): Padding {
  return { left: x, top: y, right: x, bottom: y };
}
