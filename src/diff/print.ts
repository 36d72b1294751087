// `pipe diff` as text: (a) configuration, (b) graphs, (c) stage keys, (d) results, in that order.
import { flow } from './config.js';
import { modelChanged, type ModelDiff } from './graph.js';
import type { PipelineDiff } from './pipeline-diff.js';
import type { ResultDiff } from './results.js';
import { thousands } from '../format.js';
import { signed, textTable } from './text-table.js';

export function printDiff(d: PipelineDiff): string {
  const out: string[] = [`A: ${d.a.file} (${d.a.name})`, `B: ${d.b.file} (${d.b.name})`, ''];
  out.push(`(a) configuration: ${d.config.length ? `${d.config.length} change${d.config.length > 1 ? 's' : ''}` : 'the same'}`);
  if (d.config.length) out.push(textTable(['path', 'A', 'B'], d.config.map((c) => [c.path, clip(flow(c.a)), clip(flow(c.b))])));
  out.push('(b) graphs', ...graphLines(d.models), '');
  out.push('(c) stages');
  if (d.dataNote) out.push(`  (${d.dataNote})`);
  out.push(textTable(['stage', 'key A', 'key B', 'cache', 'because of'], d.stages.map((s) => [s.stage, short(s.a), short(s.b), s.same ? 'same key: reused' : 'rerun', s.fields.join(', ')])));
  out.push('(d) results');
  out.push(...resultLines(d.results));
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function graphLines(models: readonly ModelDiff[]): string[] {
  const same = models.filter((m) => !modelChanged(m)).map((m) => m.model);
  const lines: string[] = [];
  for (const m of models.filter(modelChanged)) {
    const parts = m.parts ? ` (${m.parts.join(' + ')})` : '';
    if (!m.a || !m.b) {
      const t = (m.a ?? m.b)!;
      lines.push(`  ${m.model}${parts}: only in ${m.a ? 'A' : 'B'} (${thousands(t.trainable)} parameters, ${thousands(t.macs)} MACs)`);
      continue;
    }
    const output = flow(m.a.output) === flow(m.b.output) ? '' : `, output ${flow(m.a.output)} -> ${flow(m.b.output)}`;
    lines.push(`  ${m.model}${parts}: parameters ${thousands(m.a.trainable)} -> ${thousands(m.b.trainable)} (${signed(m.b.trainable - m.a.trainable)}), MACs ${thousands(m.a.macs)} -> ${thousands(m.b.macs)} (${signed(m.b.macs - m.a.macs)})${output}`);
    for (const n of m.removed) lines.push(`    removed  ${n.name}: ${n.op} ${flow(n.shape)}, ${thousands(n.trainable)} parameters`);
    for (const n of m.added) lines.push(`    added    ${n.name}: ${n.op} ${flow(n.shape)}, ${thousands(n.trainable)} parameters`);
    for (const c of m.changed) {
      const what = [
        ...c.definition,
        ...(c.shape ? [`output ${flow(c.shape.a)} -> ${flow(c.shape.b)}`] : []),
        ...(c.trainable ? [`parameters ${thousands(c.trainable.a)} -> ${thousands(c.trainable.b)}`] : []),
      ];
      lines.push(`    changed  ${c.name}${c.nameInA ? ` (${c.nameInA} in A)` : ''}: ${what.join('; ')}`);
    }
  }
  if (same.length) lines.push(`  unchanged: ${same.join(', ')}`);
  return lines;
}

function resultLines(results: readonly ResultDiff[]): string[] {
  if (!results.length) return ['  no stage has results for both A and B in the stage store (run both with pipe run)'];
  const lines: string[] = [];
  const at = (f: ResultDiff['a']) => `${f.key.slice(0, 12)} on ${f.backend}${f.workers ? `, ${f.workers} worker${f.workers > 1 ? 's' : ''}` : ''}`;
  for (const r of results) {
    if (r.sameEntry) {
      lines.push(`  ${r.stage}: one stored result serves both (${at(r.a)})`, '');
      continue;
    }
    lines.push(`  ${r.stage} (A: ${at(r.a)}; B: ${at(r.b)}):`);
    lines.push(indent(textTable(['metric', 'final A', 'final B', 'change', 'best A', 'best B', 'change'], r.metrics.map((m) => [m.metric, ...cells(m.metric, m.final), ...cells(m.metric, m.best)]), [1, 2, 3, 4, 5, 6])));
    if (r.classes.length) {
      lines.push(`  ${r.stage}: classes whose accuracy moved most`);
      lines.push(indent(textTable(['class', 'A', 'B', 'change'], r.classes.map((c) => [c.name, pct(c.a), pct(c.b), `${signed(100 * (c.b - c.a), 1)} pp`]), [1, 2, 3])));
    }
  }
  return lines;
}

function cells(metric: string, v: { a: number | null; b: number | null }): string[] {
  const loss = metric.endsWith('loss');
  const show = (x: number | null) => (x === null ? '-' : loss ? x.toFixed(4) : pct(x));
  const change = v.a === null || v.b === null ? '-' : loss ? signed(v.b - v.a, 4) : `${signed(100 * (v.b - v.a), 2)} pp`;
  return [show(v.a), show(v.b), change];
}

/** A long value (a description, a whole node) is cut in the table; --json has it whole. */
function clip(text: string, max = 72): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function short(key: string | null): string {
  return key === null ? '-' : key.slice(0, 12);
}

function indent(text: string): string {
  return text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n') + '\n';
}
