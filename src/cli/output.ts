// How every command prints diagnostics, so all of them read the same.
import { formatDiagnostic, type Diagnostic } from '../errors.js';
import type { Io } from './command.js';

export function printDiagnostics(io: Io, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) io.err(`${paint(io, 'error', 31)} ${formatDiagnostic(d)}\n`);
  if (diagnostics.length > 1) io.err(`${diagnostics.length} errors\n`);
}

/** `error:` in plain text; a red `error` (no colon) on a colour terminal. */
export function paint(io: Io, text: string, ansi: number): string {
  return io.color ? `\u001b[${ansi}m${text}\u001b[0m` : `${text}:`;
}
