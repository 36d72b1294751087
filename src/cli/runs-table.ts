// `pipe runs` as a table, as `dvc exp show` prints experiments: a row per run, newest first, a
// column per stage with its best metric, then why each failed, stopped or unreadable run is so.
import { textTable } from '../diff/text-table.js';
import type { RunListing, StageBest } from '../runs/index.js';

export function runsTable(runs: readonly RunListing[]): string {
  // The stages of every run, in the order they first appear (a pipeline's run order).
  const stages = [...new Set(runs.flatMap((r) => Object.keys(r.stages)))];
  const head = ['run', 'pipeline', 'started', 'status', ...stages.map(shown)];
  const rows = runs.map((r) => [shown(r.name), shown(r.pipeline), localTime(r.started), r.status, ...stages.map((s) => (r.stages[s] ? cell(r.stages[s]) : ''))]);
  const right = stages.map((_, i) => 4 + i);
  const notes = runs.filter((r) => r.reason !== undefined).map((r) => `${shown(r.name)}: ${r.status}: ${shown(r.reason!)}\n`);
  return textTable(head, rows, right) + (notes.length ? `\n${notes.join('')}` : '');
}

/** `62.50%` (top-1), `loss 0.0625`, the train metrics said as such; `(1/3)` while epochs are missing. */
export function cell(s: StageBest): string {
  if (s.best === null) return s.epochs === 0 ? '-' : `- (${s.epochs}${s.planned ? `/${s.planned}` : ''})`;
  const value = s.metric.endsWith('top1') ? `${(100 * s.best).toFixed(2)}%` : `loss ${Number(s.best.toPrecision(4))}`;
  const what = s.metric.startsWith('train') ? `train ${value}` : value;
  return s.planned !== null && s.epochs < s.planned ? `${what} (${s.epochs}/${s.planned})` : what;
}

/** `2026-03-01 10:00:00` in this machine's time zone. */
function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '?';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A folder or stage name as it can be printed: control characters (a newline, an escape
 *  sequence in a hostile name) become `?`. */
function shown(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
