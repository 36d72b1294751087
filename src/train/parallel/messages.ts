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

/** The optimiser's state for a worker's pieces (shared.ts ownedPieces): per slot, one array per piece. */
export interface PiecesState {
  readonly step: number;
  readonly slots: Readonly<Record<string, readonly Float32Array[]>>;
}

export type ToWorker =
  /** Take every weight from params and state, and the optimiser's state of the pieces this worker updates (before the first step, after a resume). */
  | { readonly type: 'load'; readonly optimizer: PiecesState }
  /**
   * One step: the gradient of the mean loss over rows [offset, offset + n) of the batch (none
   * when n is 0); then, once every worker has its gradient, the weighted sum of all the workers'
   * gradients over this worker's pieces and one optimiser update of them at `lr`.
   */
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
      /** Each worker's share of the batch (n_k / rows): the weights of the gradients' sum. */
      readonly shares: readonly number[];
      readonly lr: number;
    }
  /** Send the optimiser's state of this worker's pieces (for a checkpoint). */
  | { readonly type: 'sync' }
  /**
   * Evaluate rows [offset, offset + n) of the batch in eval mode: their mean loss, and their
   * outputs into out. With `load`, first take every weight from params and the statistics from
   * state (the last step's, as worker 0 left them).
   */
  | { readonly type: 'evaluate'; readonly offset: number; readonly n: number; readonly labels: boolean; readonly target: boolean; readonly load: boolean };

export type FromWorker =
  /** Started, on this backend kind (the one asked for, or the trainer refuses it). */
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'loaded' }
  /** The shard's mean loss (0 for no rows); the outputs and this worker's updated pieces are in shared memory. */
  | { readonly type: 'stepped'; readonly loss: number }
  | { readonly type: 'synced'; readonly optimizer: PiecesState }
  /** The rows' mean loss in eval mode; their outputs are in shared memory. */
  | { readonly type: 'evaluated'; readonly loss: number }
  | { readonly type: 'failed'; readonly error: SerializedError; readonly abandoned?: boolean };
