// What the loader and its workers say to each other. Errors cross the thread boundary as plain
// data and are rebuilt as the same typed errors on the loader's side.
import { InputError, JobError, type Diagnostic } from '../errors.js';
import type { Batch } from './batch.js';

export interface BatchRequest {
  readonly id: number;
  readonly epoch: number;
  /** Item numbers (across all parts) of the batch, in batch order. */
  readonly items: Int32Array;
}

export type BatchReply = { readonly id: number; readonly batch: Batch } | { readonly id: number; readonly error: SerializedError };

export type SerializedError =
  | { readonly kind: 'input'; readonly diagnostics: readonly Diagnostic[] }
  | { readonly kind: 'job'; readonly message: string; readonly hint?: string }
  | { readonly kind: 'other'; readonly message: string; readonly stack?: string };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof InputError) return { kind: 'input', diagnostics: e.diagnostics };
  if (e instanceof JobError) return { kind: 'job', message: e.message, hint: e.hint };
  const err = e instanceof Error ? e : new Error(String(e));
  return { kind: 'other', message: err.message, stack: err.stack };
}

export function deserializeError(e: SerializedError): Error {
  switch (e.kind) {
    case 'input':
      return new InputError(e.diagnostics);
    case 'job':
      return new JobError(e.message, e.hint);
    case 'other': {
      const err = new Error(`loader worker: ${e.message}`);
      if (e.stack) err.stack = e.stack;
      return err;
    }
    default:
      return assertNever(e);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
