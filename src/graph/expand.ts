// Blocks are inlined: each model becomes a flat list of op nodes with unique names, evaluated
// parameters and explicit inputs. Names nest as `block_use/node` (and `block_use/k/node` for the
// k-th of `repeat` copies), so a layer's name says where it comes from.
//
// Expansion walks the graph in order and asks the caller for each node's output shape as soon as
// the node exists, because a block may read its input's shape (`${in.channels}`) and a node's
// `if` may depend on it: a ResNet block has a downsample branch exactly when its input's channels
// or its stride differ from its output's.
import type { BlockNode, GraphNode, OpNode, ResolvedBlock } from '../config/types.js';
import type { Path } from '../config/paths.js';
import { didYouMean } from '../config/suggest.js';
import { ExpressionError, substitute, type Scope } from './expression.js';
import { GraphError } from './graph-error.js';
import type { Shape } from './op.js';
import { fmt } from './shape-rules.js';
import { NODE_NAME_PATTERN } from '../config/schema/fragments.js';

const NODE_NAME = new RegExp(NODE_NAME_PATTERN);

export interface FlatNode {
  /** Unique in the model: `res2/main`, `layer2/body/3/conv_0`. */
  readonly name: string;
  readonly op: string;
  /** The op's parameters with expressions evaluated (no op, name, from or if). */
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
 * The most op nodes one model may expand to. The largest seed pipeline has 119 and torchvision's
 * resnet152 about 520; a model near the limit already takes minutes to build in tfjs. Checked
 * while expanding, so `repeat: 1000000000` (or blocks nesting blocks many times over) is refused
 * in milliseconds instead of filling memory.
 */
export const MAX_GRAPH_NODES = 10_000;

export interface ExpandOptions {
  /** The model's input shape (`in.*` in the model's own nodes). */
  readonly input: Shape;
  /** The pipeline's `params`: what the model's own nodes' expressions may read. */
  readonly params: Scope;
  /** The output shape of a node just expanded (its inputs' shapes are known); throws GraphError. */
  readonly shapeOf: (node: FlatNode) => Shape;
}


interface ListContext {
  readonly prefix: string;
  readonly scope: Scope;
  readonly input: string;
  readonly source: Path;
  readonly usedAt: readonly Path[];
}

class Expansion {
  readonly nodes: FlatNode[] = [];
  readonly shapes = new Map<string, Shape>();

  constructor(
    readonly blocks: Readonly<Record<string, ResolvedBlock>>,
    readonly shapeOf: (node: FlatNode) => Shape,
  ) {}

  list(nodes: readonly GraphNode[], ctx: ListContext): string {
    const local = new Map<string, string>([[INPUT, ctx.input]]);
    // Names held by a computed node. Alternatives may share a name (`{op: relu, name: act, if:
    // ...}`, `{op: hardswish, name: act, if: ...}`) as long as at most one of them is computed.
    const computed = new Set<string>([INPUT]);
    const laterNames = nodes.map((n, i) => this.localName(n, i, [...ctx.source, i], ctx));
    let previous = ctx.input;
    nodes.forEach((node, i) => {
      const at = [...ctx.source, i];
      const name = laterNames[i];
      if (name === INPUT) throw new GraphError(at, ctx.usedAt, `'${INPUT}' names the graph's input; choose another node name`);
      const resolve = (ref: string): string => {
        const value = local.get(ref);
        if (value !== undefined) return value;
        const later = laterNames.indexOf(ref);
        if (later > i) throw new GraphError([...at, 'from'], ctx.usedAt, `'${ref}' is defined later (node ${later}); a node can only read earlier nodes`);
        throw new GraphError([...at, 'from'], ctx.usedAt, `unknown node '${ref}'${didYouMean(ref, local.keys())} (known here: ${[...local.keys()].join(', ')})`);
      };
      const refs = node.from === undefined ? [] : Array.isArray(node.from) ? (node.from as string[]) : [node.from as string];
      const inputs = node.from === undefined ? [previous] : refs.map(resolve);
      const computes = this.condition(node, at, ctx);
      if (computes && computed.has(name)) {
        const conditional = [node, nodes[laterNames.indexOf(name)]].some((n) => (n as { if?: unknown }).if !== undefined);
        throw new GraphError(at, ctx.usedAt, `the name '${name}' is used twice in this list${conditional ? ' and both nodes are computed here (of nodes sharing a name, at most one may have a true if)' : ''}`);
      }
      if (!computes) {
        // A skipped node stands for what it would have read (`from` a skipped downsample is the block
        // input); a skipped join for its last input: a residual add written [input, main] leaves main.
        previous = inputs[inputs.length - 1];
        if (!local.has(name)) local.set(name, previous);
        return;
      } else if ('block' in node) {
        previous = this.blockUse(node as BlockNode, name, at, inputs[0], ctx);
      } else {
        const { op, name: _n, from: _f, if: _if, ...params } = node as OpNode;
        const flat: FlatNode = { name: ctx.prefix + name, op, params: evaluated(params, ctx.scope, at, ctx.usedAt) as Record<string, unknown>, inputs, source: at, usedAt: ctx.usedAt };
        if (this.nodes.length >= MAX_GRAPH_NODES) throw tooManyNodes(at, ctx.usedAt, `this node would be node ${this.nodes.length + 1}`);
        this.nodes.push(flat);
        this.shapes.set(flat.name, this.shapeOf(flat));
        previous = flat.name;
      }
      local.set(name, previous);
      computed.add(name);
    });
    return previous;
  }

  /** A node's name as written or computed (`${2 if expand else 1}`), else its op or block and position. */
  private localName(n: GraphNode, i: number, at: Path, ctx: ListContext): string {
    if (n.name === undefined) return 'block' in n ? `${(n as BlockNode).block}_${i}` : `${(n as OpNode).op}_${i}`;
    const v = evaluated(n.name, ctx.scope, [...at, 'name'], ctx.usedAt);
    const name = typeof v === 'number' ? String(v) : v;
    if (typeof name !== 'string' || !NODE_NAME.test(name)) throw new GraphError([...at, 'name'], ctx.usedAt, `name ${JSON.stringify(n.name)} gives ${JSON.stringify(v)}: a node name is letters, digits and _ (at most 100)`);
    return name;
  }

  /** A node's `if`, evaluated where it is written: true unless it says otherwise. */
  private condition(node: GraphNode, at: Path, ctx: ListContext): boolean {
    const written = (node as { if?: unknown }).if;
    if (written === undefined) return true;
    const v = evaluated(written, ctx.scope, [...at, 'if'], ctx.usedAt);
    if (typeof v !== 'boolean') throw new GraphError([...at, 'if'], ctx.usedAt, `if must be true or false, found ${JSON.stringify(v)}`);
    return v;
  }

  private blockUse(node: BlockNode, name: string, at: Path, input: string, ctx: ListContext): string {
    const block = this.blocks[node.block];
    const args = evaluated(node.args ?? {}, ctx.scope, [...at, 'args'], ctx.usedAt) as Record<string, number | boolean | string>;
    const repeat = evaluated(node.repeat ?? 1, ctx.scope, [...at, 'repeat'], ctx.usedAt);
    if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1) {
      throw new GraphError([...at, 'repeat'], ctx.usedAt, `repeat must be an integer >= 1, found ${JSON.stringify(repeat)}`);
    }
    let current = input;
    const before = this.nodes.length;
    for (let k = 0; k < repeat; k++) {
      const numbered = repeat > 1 || node.index_from !== undefined;
      const prefix = `${ctx.prefix}${name}/${numbered ? `${(node.index_from ?? 1) + k}/` : ''}`;
      const scope: Scope = { ...block.params, ...args, ...inputScope(this.shapes.get(current)!), 'repeat.index': k, 'repeat.count': repeat };
      current = this.list(block.nodes, { prefix, scope, input: current, source: ['blocks', node.block, 'nodes'], usedAt: [...ctx.usedAt, at] });
      // Every copy is about as large as the first (an `if` may drop a node or two from later ones).
      const perCopy = this.nodes.length - before;
      if (k === 0 && before + perCopy * repeat > MAX_GRAPH_NODES) {
        throw tooManyNodes([...at, 'repeat'], ctx.usedAt, `repeat: ${repeat} copies of block '${node.block}' (${perCopy} node${perCopy === 1 ? '' : 's'} each) make ${(before + perCopy * repeat).toLocaleString('en-US')}`);
      }
    }
    return current;
  }
}

export function expandModel(nodes: readonly GraphNode[], blocks: Readonly<Record<string, ResolvedBlock>>, source: Path, opts: ExpandOptions): { nodes: FlatNode[]; output: string } {
  const expansion = new Expansion(blocks, opts.shapeOf);
  expansion.shapes.set(INPUT, opts.input);
  const output = expansion.list(nodes, { prefix: '', scope: { ...opts.params, ...inputScope(opts.input) }, input: INPUT, source, usedAt: [] });
  return { nodes: expansion.nodes, output };
}

/** `in.height`, `in.width`, `in.channels` of an image; `in.channels` (its features) of a flat input. */
function inputScope(shape: Shape): Scope {
  if (shape.length === 3) return { 'in.height': shape[0], 'in.width': shape[1], 'in.channels': shape[2] };
  if (shape.length === 1) return { 'in.channels': shape[0] };
  throw new Error(`a node's shape ${fmt(shape)} is neither an image nor flat`); // no op makes one
}

function tooManyNodes(at: Path, usedAt: readonly Path[], why: string): GraphError {
  return new GraphError(at, usedAt, `the model expands to more than ${MAX_GRAPH_NODES} nodes: ${why}; lower repeat or nest fewer blocks`);
}

function evaluated(value: unknown, scope: Scope, at: Path, usedAt: readonly Path[]): unknown {
  try {
    return substitute(value, scope);
  } catch (e) {
    if (e instanceof ExpressionError) throw new GraphError(at, usedAt, e.message);
    throw e;
  }
}
