// The resolved form of a step: the YAML map as written with every default filled in, one type
// per op, discriminated by `op`. Only the resolver builds these; compileChain takes them.

import type { CenterCropStep } from './ops/center_crop.js';
import type { ColorJitterStep } from './ops/color_jitter.js';
import type { ComposeStep } from './ops/compose.js';
import type { CutoutStep } from './ops/cutout.js';
import type { GaussianBlurStep } from './ops/gaussian_blur.js';
import type { NormalizeStep } from './ops/normalize.js';
import type { RandomAffineStep } from './ops/random_affine.js';
import type { RandomApplyStep } from './ops/random_apply.js';
import type { RandomChoiceStep } from './ops/random_choice.js';
import type { RandomCropStep } from './ops/random_crop.js';
import type { RandomHorizontalFlipStep } from './ops/random_horizontal_flip.js';
import type { RandomRotationStep } from './ops/random_rotation.js';
import type { RandomVerticalFlipStep } from './ops/random_vertical_flip.js';
import type { ResizeStep } from './ops/resize.js';

export type {
  CenterCropStep, ColorJitterStep, ComposeStep, CutoutStep, GaussianBlurStep, NormalizeStep, RandomAffineStep, RandomApplyStep,
  RandomChoiceStep, RandomCropStep, RandomHorizontalFlipStep, RandomRotationStep, RandomVerticalFlipStep, ResizeStep,
};

export type ResolvedAugmentStep =
  | RandomCropStep
  | CenterCropStep
  | ResizeStep
  | RandomHorizontalFlipStep
  | RandomVerticalFlipStep
  | RandomRotationStep
  | ColorJitterStep
  | GaussianBlurStep
  | RandomAffineStep
  | CutoutStep
  | NormalizeStep
  | ComposeStep
  | RandomChoiceStep
  | RandomApplyStep;

export type AugmentOpName = ResolvedAugmentStep['op'];
