// Blocks are inlined: each model becomes a flat list of op nodes with unique names, evaluated
// parameters and explicit inputs. Names nest as `block_use/node` (and `block_use/k/node` for the
// k-th of `repeat` copies), so a layer's name says where it comes from.
import type { BlockNode, GraphNode, OpNode, ResolvedBlock } from '../config/types.js';
import type { Path } from '../config/paths.js';
import { didYouMean } from '../config/suggest.js';
import { ExpressionError, substitute, type Scope } from './expression.js';
import { GraphError } from './graph-error.js';

export interface FlatNode {
  /** Unique in the model: `res2/main`, `layer2/body/3/conv_0`. */
  readonly name: string;
  readonly op: string;
  /** The op's parameters with expressions evaluated (no op, name or from). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Flat names of the nodes it reads; INPUT is the model's input. */
  readonly inputs: readonly string[];
  /** Where the node is written: in a model or in a block definition. */
  readonly source: Path;
  /** The block uses that led here, outermost first (empty for a node written in the model). */
  readonly usedAt: readonly Path[];
}

export const INPUT = 'input';

/**
 * The most op nodes one model may expand to. The largest seed pipeline has 119; a model near the
 * limit already takes minutes to build in tfjs. Checked while expanding, so `repeat: 1000000000`
 * (or blocks nesting blocks many times over) is refused in milliseconds instead of filling memory.
 */
export const MAX_GRAPH_NODES = 10_000;

interface ListContext {
  readonly prefix: string;
  readonly scope: Scope;
  readonly input: string;
  readonly source: Path;
  readonly usedAt: readonly Path[];
}

export function expandModel(nodes: readonly GraphNode[], blocks: Readonly<Record<string, ResolvedBlock>>, source: Path): { nodes: FlatNode[]; output: string } {
  const out: FlatNode[] = [];
  const output = expandList(nodes, blocks, { prefix: '', scope: {}, input: INPUT, source, usedAt: [] }, out);
  return { nodes: out, output };
}

function expandList(nodes: readonly GraphNode[], blocks: Readonly<Record<string, ResolvedBlock>>, ctx: ListContext, out: FlatNode[]): string {
  const local = new Map<string, string>([[INPUT, ctx.input]]);
  const laterNames = nodes.map((n, i) => localName(n, i));
  let previous = ctx.input;
  nodes.forEach((node, i) => {
    const at = [...ctx.source, i];
    const name = laterNames[i];
    if (name === INPUT) throw new GraphError(at, ctx.usedAt, `'${INPUT}' names the graph's input; choose another node name`);
    if (local.has(name)) throw new GraphError(at, ctx.usedAt, `the name '${name}' is used twice in this list`);
    const resolveFrom = (ref: string): string => {
      const hit = local.get(ref);
      if (hit !== undefined) return hit;
      const later = laterNames.indexOf(ref);
      if (later > i) throw new GraphError([...at, 'from'], ctx.usedAt, `'${ref}' is defined later (node ${later}); a node can only read earlier nodes`);
      throw new GraphError([...at, 'from'], ctx.usedAt, `unknown node '${ref}'${didYouMean(ref, local.keys())} (known here: ${[...local.keys()].join(', ')})`);
    };
    if ('block' in node) {
      previous = expandBlockUse(node as BlockNode, name, at, previous, resolveFrom, blocks, ctx, out);
    } else {
      const { op, name: _n, from, ...params } = node as OpNode;
      const inputs = from === undefined ? [previous] : (Array.isArray(from) ? from : [from]).map(resolveFrom);
      const flat = ctx.prefix + name;
      if (out.length >= MAX_GRAPH_NODES) throw tooManyNodes(at, ctx.usedAt, `this node would be node ${out.length + 1}`);
      out.push({ name: flat, op, params: evaluated(params, ctx.scope, at, ctx.usedAt) as Record<string, unknown>, inputs, source: at, usedAt: ctx.usedAt });
      previous = flat;
    }
    local.set(name, previous);
  });
  return previous;
}

function expandBlockUse(
  node: BlockNode,
  name: string,
  at: Path,
  previous: string,
  resolveFrom: (ref: string) => string,
  blocks: Readonly<Record<string, ResolvedBlock>>,
  ctx: ListContext,
  out: FlatNode[],
): string {
  const block = blocks[node.block];
  const args = evaluated(node.args ?? {}, ctx.scope, [...at, 'args'], ctx.usedAt) as Record<string, number | boolean | string>;
  const repeat = evaluated(node.repeat ?? 1, ctx.scope, [...at, 'repeat'], ctx.usedAt);
  if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1) {
    throw new GraphError([...at, 'repeat'], ctx.usedAt, `repeat must be an integer >= 1, found ${JSON.stringify(repeat)}`);
  }
  const scope: Scope = { ...block.params, ...args };
  let current = node.from === undefined ? previous : resolveFrom(node.from);
  const before = out.length;
  for (let k = 1; k <= repeat; k++) {
    const prefix = `${ctx.prefix}${name}/${repeat > 1 ? `${k}/` : ''}`;
    current = expandList(block.nodes, blocks, { prefix, scope, input: current, source: ['blocks', node.block, 'nodes'], usedAt: [...ctx.usedAt, at] }, out);
    // Every copy is as large as the first: the whole repeat's size is known after one.
    const perCopy = out.length - before;
    if (k === 1 && before + perCopy * repeat > MAX_GRAPH_NODES) {
      throw tooManyNodes([...at, 'repeat'], ctx.usedAt, `repeat: ${repeat} copies of block '${node.block}' (${perCopy} node${perCopy === 1 ? '' : 's'} each) make ${(before + perCopy * repeat).toLocaleString('en-US')}`);
    }
  }
  return current;
}

function tooManyNodes(at: Path, usedAt: readonly Path[], why: string): GraphError {
  return new GraphError(at, usedAt, `the model expands to more than ${MAX_GRAPH_NODES} nodes: ${why}; lower repeat or nest fewer blocks`);
}

function localName(n: GraphNode, i: number): string {
  if (n.name !== undefined) return n.name;
  return 'block' in n ? `${(n as BlockNode).block}_${i}` : `${(n as OpNode).op}_${i}`;
}

function evaluated(value: unknown, scope: Scope, at: Path, usedAt: readonly Path[]): unknown {
  try {
    return substitute(value, scope);
  } catch (e) {
    if (e instanceof ExpressionError) throw new GraphError(at, usedAt, e.message);
    throw e;
  }
}

