// RMSprop as one kernel per parameter (outputs: the new parameter and its slots), where the
// backend has it: wasm-onednn (src/backend/kernels/onednn_rmsprop.ts). Elsewhere the optimiser
// runs its composition of tfjs kernels, whose numbers the fused kernel reproduces exactly.
import type * as tfjs from '@tensorflow/tfjs';
import { runsNative } from './kernels/onednn_state.js';

export const RMSPROP = 'PipeRmsprop';

export interface RmspropAttrs {
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Inputs and outputs include momentum_buffer when > 0. */
  readonly momentum: number;
  /** Inputs and outputs include grad_avg. */
  readonly centered: boolean;
  /** The outputs may take the buffers of the gradient (the new parameter) and of the slots (onHeap's reuse). */
  readonly inPlace?: boolean;
}

/** Whether the fused kernel runs on the active backend. */
export function fusesRmsprop(t: typeof tfjs): boolean {
  return runsNative(t, RMSPROP);
}
