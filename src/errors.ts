// Expected failures are data: a typed error with a location and a hint. The CLI's one top-level
// handler prints them and sets the exit code; anything else reaching it is a bug in the engine.

/** A place in a source file, 1-based, as editors count; line 0: not in a file (`--set ...`). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One problem found in user input (a pipeline, an override, a data file). */
export interface Diagnostic {
  readonly location?: SourceLocation;
  /** Dotted path inside the pipeline, e.g. `stages.pretrain.optimizer.lr`; '' for the root. */
  readonly path?: string;
  readonly message: string;
  readonly hint?: string;
  /** `path#key` of a missing key this diagnostic reports (so a typo's suggestion can drop it). */
  readonly about?: string;
  /** `path#key` of missing-key diagnostics made redundant by this one ("did you mean 'key'?"). */
  readonly supersedes?: string;
}

/** Exit codes: 0 ok, 1 the job failed, 2 bad input. */
export const EXIT_OK = 0;
export const EXIT_JOB_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Bad input: every diagnostic found, not only the first. Exit code 2. */
export class InputError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'InputError';
    this.diagnostics = diagnostics;
  }
}

/** The job itself failed (training diverged, a data file is unreadable mid-run). Exit code 1. */
export class JobError extends Error {
  readonly hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'JobError';
    this.hint = hint;
  }
}

export function inputError(message: string, at?: { location?: SourceLocation; path?: string; hint?: string }): InputError {
  return new InputError([{ message, ...at }]);
}

/** `file:line:col: path: message (hint)` — the one format every diagnostic is printed in. */
export function formatDiagnostic(d: Diagnostic): string {
  // Line 0 marks a place outside any file, e.g. a command-line `--set`.
  const where = !d.location ? '' : d.location.line === 0 ? `${d.location.file}: ` : `${d.location.file}:${d.location.line}:${d.location.col}: `;
  const path = d.path ? `${d.path}: ` : '';
  const hint = d.hint ? ` (${d.hint})` : '';
  return `${where}${path}${d.message}${hint}`;
}

/** What the machine refused (a full disk, a read-only folder, a name too long...): not the user's
 *  input and not a bug. Said as such, exit 1, without a stack trace. */
const ENVIRONMENT: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'a name is too long for the file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'something is already there (a file where a folder should be?)',
  ENOENT: 'no such file or folder (was it removed while pipe ran?)',
  EMFILE: 'too many open files (raise ulimit -n)',
  ENFILE: 'too many open files on the system',
  EIO: 'an input/output error from the device',
  ENOMEM: 'out of memory',
};

/** `cannot write /x/y: no space left on the device (ENOSPC)` for an error of the environment, else null. */
export function environmentMessage(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException | null;
  const what = typeof err?.code === 'string' ? ENVIRONMENT[err.code] : undefined;
  if (what === undefined || typeof err?.syscall !== 'string') return null;
  const verb = /write|open|mkdir|rename|copy|link|truncate|utime|chmod/.test(err.syscall) ? 'cannot write' : /unlink|rmdir|rm/.test(err.syscall) ? 'cannot remove' : 'cannot read';
  const path = err.path ?? (err as { dest?: string }).dest;
  return `${path ? `${verb} ${path}` : `${err.syscall} failed`}: ${what} (${err.code})`;
}
