// SGD with momentum as one kernel (outputs: the new parameter and momentum buffer), where the
// backend has it: wasm-onednn (src/backend/kernels/onednn_sgd.ts). Elsewhere the optimiser runs
// its composition of tfjs kernels, whose numbers the fused kernel reproduces exactly.
import type * as tfjs from '@tensorflow/tfjs';
import { runsNative } from './kernels/onednn_state.js';

export const SGD_MOMENTUM = 'PipeSgdMomentum';

export interface SgdMomentumAttrs {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  /** The first step takes the gradient as the buffer. */
  readonly first: boolean;
  readonly nesterov: boolean;
  /** The outputs may take the buffers of the gradient (the new parameter) and of the slots (onHeap's reuse). */
  readonly inPlace?: boolean;
}

/** Whether the fused kernel runs on the active backend. */
export function fusesSgdMomentum(t: typeof tfjs): boolean {
  return runsNative(t, SGD_MOMENTUM);
}
