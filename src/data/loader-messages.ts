// What the loader and its workers say to each other.
import type { Batch } from './batch.js';
import type { SerializedError } from './thread-errors.js';

export interface BatchRequest {
  readonly id: number;
  readonly epoch: number;
  /** Item numbers (across all parts) of the batch, in batch order. */
  readonly items: Int32Array;
}

export type BatchReply = { readonly id: number; readonly batch: Batch } | { readonly id: number; readonly error: SerializedError };
