// Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned.
import { thousands } from '../format.js';

export function textTable(head: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) => r.map((cell, c) => (right.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** `+1,024` / `-12` / `0`: a change with its sign. */
export function signed(n: number, digits?: number): string {
  const text = digits === undefined ? thousands(Math.abs(n)) : Math.abs(n).toFixed(digits);
  return n > 0 ? `+${text}` : n < 0 ? `-${text}` : text;
}
