// What the training thread and its workers say to each other; the numbers travel in shared
// memory (shared.ts), the messages only say what to do with them.
import type { ResolvedStage } from '../../config/types.js';
import type { SerializedError } from '../../data/thread-errors.js';
import type { SharedBuffers, SharedLayout } from './shared.js';

export interface WorkerSetup {
  /** This worker's number, 0-based; worker 0's BatchNorm statistics are the model's. */
  readonly index: number;
  /** The backend kind to start (the training thread's). */
  readonly backend: string;
  /** The model's topology (LayersModel.toJSON), trainable flags included. */
  readonly topology: string;
  /** Names of the trainable and of the other weights, in the shared arrays' order. */
  readonly trainable: readonly string[];
  readonly others: readonly string[];
  /** The stage: its kind and loss. */
  readonly stage: ResolvedStage;
  readonly layout: SharedLayout;
  readonly buffers: SharedBuffers;
}

export type ToWorker =
  /** Take every weight from params and state (before the first step, after a resume). */
  | { readonly type: 'load' }
  /** Compute the gradient of the mean loss over rows [offset, offset + n) of the batch. */
  | {
      readonly type: 'step';
      readonly offset: number;
      readonly n: number;
      /** The training step (dropout masks are drawn from it). */
      readonly clock: number;
      readonly labels: boolean;
      readonly target: boolean;
      /** Leave this worker's non-trainable weights in state afterwards. */
      readonly keepState: boolean;
    };

export type FromWorker =
  /** Started, on this backend kind (the one asked for, or the trainer refuses it). */
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'loaded' }
  /** The shard's mean loss; its gradient and outputs are in shared memory. */
  | { readonly type: 'stepped'; readonly loss: number }
  | { readonly type: 'failed'; readonly error: SerializedError };
