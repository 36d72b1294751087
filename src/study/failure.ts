// How a trial's or a job's failure is kept: as the one line (or lines) the user would have seen
// from `pipe run`. Only expected failures become text; anything else is a bug and is thrown on.
import { InputError, JobError } from '../errors.js';

export function failureText(e: unknown): string {
  if (e instanceof InputError) return e.message;
  if (e instanceof JobError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  throw e;
}
