// Adam and AdamW as one kernel per parameter (outputs: the new parameter and its slots), where
// the backend has it: wasm-onednn (src/backend/kernels/onednn_adam.ts). Elsewhere the optimiser
// runs its composition of tfjs kernels, whose numbers the fused kernel reproduces exactly.
import type * as tfjs from '@tensorflow/tfjs';
import { runsNative } from './kernels/onednn_state.js';

export const ADAM = 'PipeAdam';

/** The step's scalars as the composition makes them (doubles, each rounded to float32 there and in the kernel). */
export interface AdamAttrs {
  /** lr / (1 - beta1^t). */
  readonly stepSize: number;
  /** sqrt(1 - beta2^t). */
  readonly correction2Sqrt: number;
  /** 1 - lr * weight_decay: AdamW's decoupled decay. */
  readonly decayKeep: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** AdamW: the decay multiplies the parameter instead of adding to the gradient. */
  readonly decoupled: boolean;
  /** Inputs and outputs include max_exp_avg_sq. */
  readonly amsgrad: boolean;
  /** The outputs may take the buffers of the gradient (the new parameter) and of the slots (onHeap's reuse). */
  readonly inPlace?: boolean;
}

/** Whether the fused kernel runs on the active backend. */
export function fusesAdam(t: typeof tfjs): boolean {
  return runsNative(t, ADAM);
}
