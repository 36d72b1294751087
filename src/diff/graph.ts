// Part (b) of `pipe diff`: per model, what the graph analysis (src/graph/analyze.ts) says
// changed: nodes added, removed or redefined, output shapes, and parameters and MACs A -> B.
import type { GraphPlan, NodePlan } from '../graph/analyze.js';
import { alignLists } from './align.js';
import { flow, sameValue } from './config.js';

export interface NodeBrief {
  readonly name: string;
  readonly op: string;
  readonly shape: readonly number[];
  readonly trainable: number;
}

export interface NodeChange {
  readonly name: string;
  /** The name in A, when the node is paired in order under another name (`conv_3` -> `conv_4`). */
  readonly nameInA?: string;
  /** What differs in its definition, e.g. `filters: 32 -> 48`; empty when only its shape or count moved. */
  readonly definition: readonly string[];
  readonly shape?: { readonly a: readonly number[]; readonly b: readonly number[] };
  readonly trainable?: { readonly a: number; readonly b: number };
}

export interface Totals {
  readonly trainable: number;
  readonly macs: number;
  readonly output: readonly number[];
}

export interface ModelDiff {
  readonly model: string;
  /** null: the model is not in that pipeline. */
  readonly a: Totals | null;
  readonly b: Totals | null;
  /** For a composition, its parts (their nodes are listed under each part). */
  readonly parts?: readonly string[];
  readonly added: readonly NodeBrief[];
  readonly removed: readonly NodeBrief[];
  readonly changed: readonly NodeChange[];
}

export function graphChanges(a: GraphPlan, b: GraphPlan): ModelDiff[] {
  const names = [...new Set([...Object.keys(a.models), ...Object.keys(b.models)])];
  return names.map((model) => {
    const [ma, mb] = [a.models[model], b.models[model]];
    const totals = (m: typeof ma) => (m ? { trainable: m.trainable, macs: m.macs, output: m.output } : null);
    const composed = (ma ?? mb).parts.length > 1 || (ma ?? mb).parts[0] !== model;
    const base = { model, a: totals(ma), b: totals(mb), ...(composed ? { parts: (mb ?? ma).parts } : {}) };
    if (composed) return { ...base, added: [], removed: [], changed: [] };
    return { ...base, ...nodeChanges(a.nodes[model] ?? [], b.nodes[model] ?? []) };
  });
}

export function modelChanged(d: ModelDiff): boolean {
  return d.a === null || d.b === null || d.added.length + d.removed.length + d.changed.length > 0 || d.a.trainable !== d.b.trainable || d.a.macs !== d.b.macs || !sameValue(d.a.output, d.b.output);
}

function nodeChanges(a: readonly NodePlan[], b: readonly NodePlan[]): Pick<ModelDiff, 'added' | 'removed' | 'changed'> {
  const keys = { name: (n: NodePlan) => (generated(n.name) ? undefined : n.name), kind: (n: NodePlan) => `${pattern(n.name)} ${n.op}` };
  const aligned = alignLists(a, b, keys);
  // A's input names as B calls the same nodes, so a rewiring shows and a renumbering does not.
  const asB = new Map(aligned.filter((p) => p.a !== undefined && p.b !== undefined).map((p) => [a[p.a!].name, b[p.b!].name]));
  const added: NodeBrief[] = [];
  const removed: NodeBrief[] = [];
  const changed: NodeChange[] = [];
  for (const { a: i, b: j } of aligned) {
    if (i === undefined) added.push(brief(b[j!]));
    else if (j === undefined) removed.push(brief(a[i]));
    else {
      const c = compareNodes(a[i], b[j], asB);
      if (c) changed.push(c);
    }
  }
  return { added, removed, changed };
}

function compareNodes(x: NodePlan, y: NodePlan, asB: ReadonlyMap<string, string>): NodeChange | null {
  const definition: string[] = [];
  if (x.op !== y.op) definition.push(`op: ${x.op} -> ${y.op}`);
  for (const k of new Set([...Object.keys(x.params), ...Object.keys(y.params)])) {
    if (!sameValue(x.params[k], y.params[k])) definition.push(`${k}: ${flow(x.params[k])} -> ${flow(y.params[k])}`);
  }
  const inputs = x.inputs.map((n) => asB.get(n) ?? n);
  if (!sameValue(inputs, y.inputs)) definition.push(`from: ${flow(inputs)} -> ${flow(y.inputs)}`);
  const shape = sameValue(x.shape, y.shape) ? undefined : { a: x.shape, b: y.shape };
  const trainable = x.trainable === y.trainable ? undefined : { a: x.trainable, b: y.trainable };
  if (!definition.length && !shape && !trainable) return null;
  return { name: y.name, ...(x.name !== y.name ? { nameInA: x.name } : {}), definition, ...(shape ? { shape } : {}), ...(trainable ? { trainable } : {}) };
}

function brief(n: NodePlan): NodeBrief {
  return { name: n.name, op: n.op, shape: n.shape, trainable: n.trainable };
}

/**
 * An unnamed node is called `<op>_<position>` (src/graph/expand.ts), inside a block use as
 * `<use>/<op>_<position>`: such names say where a node stands, not which node it is.
 */
function generated(name: string): boolean {
  return pattern(name) !== name;
}

function pattern(name: string): string {
  return name.split('/').map((seg) => seg.replace(/^([A-Za-z_][\w-]*?)_\d+$/, '$1_#')).join('/');
}
