// run.log in a run folder: what the run printed, as plain text. Lines are appended as they end,
// so a run killed outright keeps its log up to its last line. Colour and cursor codes are taken
// out and a line redrawn in place (`\r`) keeps only its final text. Lines printed before the run
// folder exists (the backend note, warnings while the data is hashed) are held and written first.
// Best effort: a log that cannot be written never fails the run; it stops logging.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** CSI (colours, cursor moves, erases), OSC (titles, links) and the two-byte escapes. */
// eslint-disable-next-line no-control-regex -- matching terminal control codes is the point
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Lines held before the folder is open; past this the oldest are dropped (none is that chatty). */
const HELD_MAX = 10_000;

export class RunLog {
  private file: string | null = null;
  private held: string[] = [];
  private partial = '';
  private broken = false;

  /** Starts writing to `runDir`/run.log: the held lines first. */
  open(runDir: string): void {
    this.file = join(runDir, 'run.log');
    const held = this.held;
    this.held = [];
    this.append(held);
  }

  /** Text as printed to the console (any number of lines, possibly a part of one). */
  write(text: string): void {
    if (this.broken) return;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.append(parts.map(plainLine));
  }

  /** Writes a last line left without its newline. */
  close(): void {
    if (this.partial !== '') this.write('\n');
  }

  private append(lines: readonly string[]): void {
    if (lines.length === 0 || this.broken) return;
    if (this.file === null) {
      this.held.push(...lines);
      if (this.held.length > HELD_MAX) this.held.splice(0, this.held.length - HELD_MAX);
      return;
    }
    try {
      appendFileSync(this.file, lines.map((l) => l + '\n').join(''));
    } catch {
      // The folder was removed (a refused run) or the disk is full: the run goes on unlogged.
      this.broken = true;
    }
  }
}

/** A console line as plain text: no escape codes; of a line redrawn with `\r`, its last text. */
export function plainLine(line: string): string {
  const text = line.replace(ESCAPES, '').replace(/\r+$/, '');
  const redraws = text.split('\r').filter((t) => t !== '');
  return redraws[redraws.length - 1] ?? '';
}
