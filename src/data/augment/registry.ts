// Every augmentation op, keyed by its YAML name: a plain list, no registration by import side
// effect. The schema generator unions their fragments into $defs.augment_step; compileChain
// looks ops up here.

import type { AugmentOp } from './op.js';
import { centerCrop } from './ops/center_crop.js';
import { colorJitter } from './ops/color_jitter.js';
import { compose } from './ops/compose.js';
import { cutout } from './ops/cutout.js';
import { gaussianBlur } from './ops/gaussian_blur.js';
import { normalize } from './ops/normalize.js';
import { randomAffine } from './ops/random_affine.js';
import { randomApply } from './ops/random_apply.js';
import { randomChoice } from './ops/random_choice.js';
import { randomCrop } from './ops/random_crop.js';
import { randomHorizontalFlip } from './ops/random_horizontal_flip.js';
import { randomRotation } from './ops/random_rotation.js';
import { randomVerticalFlip } from './ops/random_vertical_flip.js';
import { resize } from './ops/resize.js';
import type { AugmentOpName, ResolvedAugmentStep } from './steps.js';

/** The op for each step type: the union of AugmentOp<S> over the resolved step types. */
export type AnyAugmentOp = { [K in AugmentOpName]: AugmentOp<Extract<ResolvedAugmentStep, { op: K }>> }[AugmentOpName];

export const augmentOps: readonly AnyAugmentOp[] = [
  randomCrop,
  centerCrop,
  resize,
  randomHorizontalFlip,
  randomVerticalFlip,
  randomRotation,
  colorJitter,
  gaussianBlur,
  randomAffine,
  cutout,
  normalize,
  compose,
  randomChoice,
  randomApply,
];

const byName = new Map<string, AnyAugmentOp>(augmentOps.map((op) => [op.name, op]));

/** The op named `name`, or undefined; knownAugmentOps() lists the names for messages. */
export function findAugmentOp(name: string): AnyAugmentOp | undefined {
  return byName.get(name);
}

export function knownAugmentOps(): string[] {
  return augmentOps.map((op) => op.name);
}
