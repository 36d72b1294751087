// Errors cross a worker-thread boundary as plain data and are rebuilt on the other side as the
// same typed errors, so a bad file found in a worker reads exactly as one found here.
import { InputError, JobError, type Diagnostic } from '../errors.js';

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

/** `thread` names where it happened for errors that are bugs (not input or job errors). */
export function deserializeError(e: SerializedError, thread: string): Error {
  switch (e.kind) {
    case 'input':
      return new InputError(e.diagnostics);
    case 'job':
      return new JobError(e.message, e.hint);
    case 'other': {
      const err = new Error(`${thread}: ${e.message}`);
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
