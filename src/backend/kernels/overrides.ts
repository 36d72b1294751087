// What the engine installs over tfjs: kernels for the wasm backend, and gradients (which tfjs
// keeps per kernel name, for every backend). Each keeps hold of the stock one to fall back on.
import type { GradConfig, KernelFunc } from '@tensorflow/tfjs';

/** An engine kernel for wasm; `build` gets the stock wasm kernel of that name (null: there is none). */
export interface KernelOverride {
  readonly kernelName: string;
  build(stock: KernelFunc | null): KernelFunc;
}

/** An engine gradient; `wrap` gets tfjs's own gradient for that kernel name. */
export interface GradientOverride {
  readonly kernelName: string;
  wrap(stock: GradConfig): GradConfig;
}
