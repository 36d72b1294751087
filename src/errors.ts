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
