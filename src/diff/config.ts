// Part (a) of `pipe diff`: the configuration changes between two resolved pipelines (extends and
// --set applied, every default filled), as rows of path | A | B, changed rows only. Lists of graph
// nodes (and other lists of ops, e.g. augment chains) pair items by name, else in order by op.
import { alignLists } from './align.js';

export interface ConfigChange {
  /** e.g. `models.encoder.nodes[stem].filters`, `stages.finetune.optimizer.lr`. */
  readonly path: string;
  /** Absent (the key is not there) is undefined: JSON leaves it out. */
  readonly a?: unknown;
  readonly b?: unknown;
}

export function configChanges(a: unknown, b: unknown): ConfigChange[] {
  const out: ConfigChange[] = [];
  compare(a, b, '', out);
  return out;
}

function compare(a: unknown, b: unknown, path: string, out: ConfigChange[]): void {
  if (sameValue(a, b)) return;
  if (isMap(a) && isMap(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const sub = path === '' ? k : `${path}.${k}`;
      if (!(k in b)) out.push({ path: sub, a: a[k] });
      else if (!(k in a)) out.push({ path: sub, b: b[k] });
      else compare(a[k], b[k], sub, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.every(isOpItem) && b.every(isOpItem) && (a.length || b.length)) return compareOpLists(a, b, path, out);
    if (a.length === b.length && a.some((x) => typeof x === 'object' && x !== null)) {
      a.forEach((x, i) => compare(x, b[i], `${path}[${i}]`, out));
      return;
    }
  }
  out.push({ path, a, b });
}

/** Graph nodes and augment steps: pair by name, else in order by op (or block). */
function compareOpLists(a: readonly OpItem[], b: readonly OpItem[], path: string, out: ConfigChange[]): void {
  const name = (n: OpItem) => (typeof n.name === 'string' ? n.name : undefined);
  for (const { a: i, b: j } of alignLists(a, b, { name, kind: (n) => String(n.op ?? `block ${String(n.block)}`) })) {
    const label = (k: number, n: OpItem) => `${path}[${name(n) ?? k}]`;
    if (i === undefined) out.push({ path: label(j!, b[j!]), b: b[j!] });
    else if (j === undefined) out.push({ path: label(i, a[i]), a: a[i] });
    else compare(a[i], b[j], label(j, b[j]), out);
  }
}

type OpItem = Readonly<Record<string, unknown>>;

function isOpItem(x: unknown): x is OpItem {
  return isMap(x) && (typeof x.op === 'string' || typeof x.block === 'string');
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Structural equality of JSON-like values (key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && sameValue(a[k], b[k]));
  }
  return false;
}

/** A value as a short YAML flow text: `{op: conv, filters: 32}`, `[64, 64]`, `-` when absent. */
export function flow(v: unknown): string {
  if (v === undefined) return '-';
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (isMap(v)) return `{${Object.entries(v).map(([k, x]) => `${k}: ${flow(x)}`).join(', ')}}`;
  if (typeof v === 'string') return /^[\w./${}* +-]+$/.test(v) && v.trim() === v && !/^(true|false|null|[\d.+-][\d.e+-]*)$/.test(v) ? v : JSON.stringify(v);
  return String(v);
}
