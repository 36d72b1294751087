// The chain runner: compiles a resolved chain once (checking what the schema cannot), then
// applies it to one image at a time with fresh random parameters from the Rng it is given.
// A trailing normalize is not run on uint8 images: the batch loader gets its mean and std.

import { inputError, JobError } from '../../errors.js';
import { Rng } from '../random.js';
import type { NormalizeParams } from './functional/normalize.js';
import type { Image, ImageShape } from './image.js';
import type { AugmentOp, CompileContext, CompiledStep } from './op.js';
import { findAugmentOp, knownAugmentOps } from './registry.js';
import type { ResolvedAugmentStep } from './steps.js';

export interface CompiledChain {
  /** Runs every step but a trailing normalize; parameters are drawn afresh from rng on every call. */
  apply(img: Image, rng: Rng): Image;
  /** The trailing normalize's mean and std (ToTensor units), for the float32 conversion; null if none. */
  readonly normalize: NormalizeParams | null;
  /** The shape apply() gives for an input shape (null: unknown or varies); throws InputError if the chain cannot run on it. */
  outputShape(input: ImageShape): ImageShape;
}

export interface CompileChainOptions {
  /** The chain's place in the pipeline, prefixed to every message. Default `augment`. */
  readonly path?: string;
  /** What is known of the input images; given, shapes are checked at compile time. */
  readonly input?: Partial<ImageShape>;
}

export function compileChain(steps: readonly ResolvedAugmentStep[], options: CompileChainOptions = {}): CompiledChain {
  const path = options.path ?? 'augment';
  const body = steps.length > 0 && steps[steps.length - 1].op === 'normalize' ? steps.slice(0, -1) : steps;
  const main = compileSteps(body, path);
  const last = body === steps ? null : compileStep(steps[steps.length - 1], `${path}[${steps.length - 1}]`);
  const chain: CompiledChain = {
    apply: (img, rng) => main.apply(img, rng),
    normalize: last?.normalize ?? null,
    outputShape(input) {
      const out = main.outputShape(input);
      return last ? last.outputShape(out) : out;
    },
  };
  if (options.input) chain.outputShape({ height: null, width: null, channels: null, ...options.input });
  return chain;
}

/**
 * A generator for one image's augmentation: a stream of its own per (epoch, index), so the draws
 * for an image do not depend on which worker handles it or in what order.
 */
export function augmentRng(seed: number, epoch: number, index: number, stream = 'augment'): Rng {
  return Rng.from(seed, `${stream}/${epoch}/${index}`);
}

/** Steps in order. normalize is refused here: only compileChain takes it, as the last step. */
function compileSteps(steps: readonly ResolvedAugmentStep[], path: string): CompiledStep {
  const compiled = steps.map((step, i) => compileInnerStep(step, `${path}[${i}]`));
  if (compiled.length === 1) return compiled[0];
  return {
    apply(img, rng) {
      let out = img;
      for (const step of compiled) out = step.apply(out, rng);
      return out;
    },
    outputShape(input) {
      let shape = input;
      for (const step of compiled) shape = step.outputShape(shape);
      return shape;
    },
  };
}

function compileInnerStep(step: ResolvedAugmentStep, path: string): CompiledStep {
  if (step.op === 'normalize') {
    throw inputError('normalize must be the last step of a chain, outside random_apply, random_choice and compose', {
      path,
      hint: 'it turns uint8 pixels into floats, after which no other step can run',
    });
  }
  return compileStep(step, path);
}

function compileStep(step: ResolvedAugmentStep, path: string): CompiledStep {
  const op = findAugmentOp(step.op) as AugmentOp<ResolvedAugmentStep> | undefined;
  if (!op) {
    throw inputError(`unknown augmentation op '${String((step as { op: unknown }).op)}'`, { path, hint: `known ops: ${knownAugmentOps().join(', ')}` });
  }
  const ctx: CompileContext = {
    path,
    compileNested: (steps, at) => compileSteps(steps, at),
    compileNestedStep: (inner, at) => compileInnerStep(inner, at),
    fail: (message, hint) => inputError(`${op.name}: ${message}`, { path, hint }),
    failAtRun: (message, hint) => new JobError(`${path}: ${op.name}: ${message}`, hint),
  };
  return op.compile(step, ctx);
}
