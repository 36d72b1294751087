// The table `pipe show --model` prints: one row per node, totals counted as PyTorch counts.
import { thousands } from '../format.js';
import type { GraphPlan } from '../graph/analyze.js';
import { fmt } from '../graph/shape-rules.js';

export function modelTable(plan: GraphPlan, model: string): string {
  const m = plan.models[model];
  const rows: string[][] = [['node', 'op', 'output', 'params', 'MACs']];
  for (const part of m.parts) {
    const first = plan.models[part];
    rows.push([part === m.name ? 'input' : `${part} input`, '', fmt(first.input), '', '']);
    for (const n of plan.nodes[part]) rows.push([m.parts.length > 1 ? `${part}/${n.name}` : n.name, n.op, fmt(n.shape), thousands(n.trainable), thousands(n.macs)]);
  }
  rows.push(['total', '', fmt(m.output), thousands(m.trainable), thousands(m.macs)]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c >= 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [`model ${model}: ${thousands(m.trainable)} trainable parameters, ${thousands(m.macs)} MACs per image`, line(rows[0]), rule, ...rows.slice(1, -1).map(line), rule, line(rows[rows.length - 1])].join('\n') + '\n';
}

