// The contract every augmentation op fulfils, combinators included. An op file holds its YAML
// schema fragment and a compiler from the resolved step (YAML map, defaults filled) to a
// CompiledStep; the randomised step is a parameter draw plus a call of functional/, as each
// torchvision transform is get_params() plus an F.* call. Op files import neither tfjs nor sharp:
// they run in worker threads that load neither.

import type { InputError } from '../../errors.js';
import type { Rng } from '../random.js';
import type { NormalizeParams } from './functional/normalize.js';
import type { Image, ImageShape } from './image.js';
import type { ResolvedAugmentStep } from './steps.js';

export type JsonSchema = { readonly [key: string]: unknown };

/** A step ready to run: parameters checked and normalised once, drawn afresh on every call. */
export interface CompiledStep {
  /** Draws this call's random parameters from rng and returns the transformed image (never in place). */
  apply(img: Image, rng: Rng): Image;
  /** The output shape for an input shape (null: unknown or varies); throws InputError where the step cannot run on it. */
  outputShape(input: ImageShape): ImageShape;
  /** Set only by normalize: the chain runner hands it to the batch loader instead of running it. */
  readonly normalize?: NormalizeParams;
}

export interface CompileContext {
  /** Where the step sits in the pipeline, for messages, e.g. `augment.densenet[0].chain[2]`. */
  readonly path: string;
  /** Compiles a nested list of steps (combinators); normalize is refused inside one. */
  compileNested(steps: readonly ResolvedAugmentStep[], path: string): CompiledStep;
  /** Compiles one nested step located at `path` (a random_choice option); normalize is refused. */
  compileNestedStep(step: ResolvedAugmentStep, path: string): CompiledStep;
  /** A bad-input error located at this step. */
  fail(message: string, hint?: string): InputError;
  /** A failure while running this step on an image (one the shapes known at compile time could not rule out). */
  failAtRun(message: string, hint?: string): Error;
}

export interface AugmentOp<S extends { readonly op: string }> {
  /** The YAML name, `op: <name>`. */
  readonly name: S['op'];
  /** One line, for the docs and the JSON Schema. */
  readonly description: string;
  /** JSON Schema 2020-12 for the step's map; nested steps are `{$ref: '#/$defs/augment_step'}`. */
  readonly schema: JsonSchema;
  /** Checks what the schema cannot express and prepares the step. */
  compile(step: S, ctx: CompileContext): CompiledStep;
}
