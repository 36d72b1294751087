// ColorJitter: brightness, contrast, saturation and hue factors drawn uniformly, applied in a
// random order (torch.randperm(4)), each through PIL's ImageEnhance / HSV as torchvision does.

import { adjustBrightness, adjustContrast, adjustSaturation } from '../functional/color.js';
import { adjustHue } from '../functional/hue.js';
import type { Image } from '../image.js';
import type { AugmentOp, CompileContext } from '../op.js';
import { orderedPair, type RangeParam } from '../params.js';
import { rangeSchema, stepSchema } from '../schema.js';

export interface ColorJitterStep {
  readonly op: 'color_jitter';
  readonly brightness: RangeParam;
  readonly contrast: RangeParam;
  readonly saturation: RangeParam;
  readonly hue: RangeParam;
}

const description = 'Jitters brightness, contrast, saturation and hue by random factors, in random order (torchvision ColorJitter).';

const factor = (what: string): string =>
  `How much to jitter ${what}: x for factors in [max(0, 1 - x), 1 + x], or [min, max]. A factor of 1 leaves the image as it is; 0 (the default) disables it.`;

export const colorJitter: AugmentOp<ColorJitterStep> = {
  name: 'color_jitter',
  description,
  schema: stepSchema('color_jitter', description, {
    brightness: rangeSchema(factor('brightness (0 = black)'), { type: 'number', minimum: 0 }, 0),
    contrast: rangeSchema(factor('contrast (0 = flat grey at the mean luma)'), { type: 'number', minimum: 0 }, 0),
    saturation: rangeSchema(factor('saturation (0 = greyscale)'), { type: 'number', minimum: 0 }, 0),
    hue: rangeSchema('How much to shift hue, in turns of the colour wheel: h for shifts in [-h, h] (h <= 0.5), or [min, max] within [-0.5, 0.5]. 0 (the default) disables it.', { type: 'number', minimum: -0.5, maximum: 0.5 }, 0),
  }),
  compile(step, ctx) {
    const ranges = [
      factorRange(step.brightness, 'brightness', ctx),
      factorRange(step.contrast, 'contrast', ctx),
      factorRange(step.saturation, 'saturation', ctx),
      hueRange(step.hue, ctx),
    ];
    const adjust: readonly ((img: Image, f: number) => Image)[] = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue];
    const order = [0, 1, 2, 3];
    const factors = [0, 0, 0, 0];
    return {
      apply(img, rng) {
        // get_params: the permutation first, then one factor per enabled adjustment, in b, c, s, h
        // order. The shuffle starts from the identity so an image's draws never depend on the last one's.
        for (let i = 0; i < 4; i++) order[i] = i;
        rng.shuffle(order);
        for (let i = 0; i < 4; i++) {
          const r = ranges[i];
          if (r) factors[i] = rng.uniform(r[0], r[1]);
        }
        let out = img;
        for (const i of order) if (ranges[i]) out = adjust[i](out, factors[i]);
        return out;
      },
      outputShape: (input) => input,
    };
  },
};

/** _check_input with centre 1: x -> [max(0, 1 - x), 1 + x]; null when the range is exactly [1, 1]. */
function factorRange(value: RangeParam, name: string, ctx: CompileContext): [number, number] | null {
  if (typeof value === 'number' && value < 0) throw ctx.fail(`${name} must not be negative when it is one number, got ${value}`);
  const range: [number, number] = typeof value === 'number' ? [Math.max(0, 1 - value), 1 + value] : orderedPair(value, name, ctx);
  if (range[0] < 0) throw ctx.fail(`${name} factors must not be negative, got ${JSON.stringify(value)}`);
  return range[0] === 1 && range[1] === 1 ? null : range;
}

/** _check_input with centre 0 and bound 0.5: h -> [-h, h]; null when the range is [0, 0]. */
function hueRange(value: RangeParam, ctx: CompileContext): [number, number] | null {
  if (typeof value === 'number' && value < 0) throw ctx.fail(`hue must not be negative when it is one number, got ${value}`, 'write [min, max] for a one-sided range');
  const range: [number, number] = typeof value === 'number' ? [-value, value] : orderedPair(value, 'hue', ctx);
  if (range[0] < -0.5 || range[1] > 0.5) throw ctx.fail(`hue must lie within [-0.5, 0.5], got ${JSON.stringify(value)}`);
  return range[0] === 0 && range[1] === 0 ? null : range;
}
