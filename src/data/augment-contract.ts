// What the data loader needs from an augmentation chain, stated here so the loader does not
// depend on how chains are built. src/data/augment/chain.ts provides `compileChain`; the loader
// imports it by URL inside each worker thread, since a compiled chain (closures) cannot be sent
// to a worker but its resolved steps (plain data) can.
import type { Rng } from './random.js';
import type { AugmentStep } from './spec.js';

/** One decoded image, uint8, height x width x channels, row-major (HWC). */
export interface RawImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** The per-channel normalisation a chain ends with: x' = (x - mean[c]) / std[c], x in [0, 1]. */
export interface ChainNormalize {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** What is known of an image's shape before it exists; null where unknown or varying. */
export interface ShapeHint {
  readonly height: number | null;
  readonly width: number | null;
  readonly channels: number | null;
}

export interface CompiledChain {
  /** Applies the uint8 steps; draws only from `rng`, so the result is a function of the stream. */
  apply(img: RawImage, rng: Rng): RawImage;
  /** The trailing normalize step, applied by the loader after conversion to float; null: none. */
  readonly normalize: ChainNormalize | null;
  /** The output shape for an input shape, if the chain can tell (lets a size clash show at open). */
  outputShape?(input: ShapeHint): ShapeHint;
}

export interface CompileChainOptions {
  /** The chain's place in the pipeline, which the compiler prefixes to its messages. */
  readonly path?: string;
  /** The input images' shape: given, the compiler checks the chain can run on it. */
  readonly input?: ShapeHint;
}

export type CompileChain = (steps: readonly AugmentStep[], options?: CompileChainOptions) => CompiledChain;

/** The module that exports `compileChain`; tests pass a small one of their own. */
export const DEFAULT_CHAIN_MODULE: string = new URL(
  import.meta.url.endsWith('.ts') ? './augment/chain.ts' : './augment/chain.js',
  import.meta.url,
).href;

export async function importChainCompiler(moduleUrl: string): Promise<CompileChain> {
  const mod = (await import(moduleUrl)) as { compileChain?: unknown };
  if (typeof mod.compileChain !== 'function') {
    throw new Error(`${moduleUrl} does not export a compileChain function`);
  }
  return mod.compileChain as CompileChain;
}
