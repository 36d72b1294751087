// Checks every model before anything runs and computes what `pipe show --model` prints: each
// node's output shape, trainable parameters and multiply-accumulates. No TensorFlow.js here.
import type { Diagnostic } from '../errors.js';
import { InputError } from '../errors.js';
import { formatPath, type Path } from '../config/paths.js';
import { isComposed, type ResolvedPipeline } from '../config/types.js';
import type { Locate } from '../config/validate.js';
import { checkClassScores } from './class-scores.js';
import { expandModel, INPUT, type FlatNode } from './expand.js';
import { checkParameterLimit } from './footprint.js';
import { GraphError } from './graph-error.js';
import { planWeightImport, type WeightImportPlan } from './import/plan.js';
import { OpError, type GraphOp, type Shape } from './op.js';
import { graphOps } from './ops/registry.js';
import { fmt } from './shape-rules.js';

export interface NodePlan extends FlatNode {
  readonly inputShapes: readonly Shape[];
  readonly shape: Shape;
  readonly trainable: number;
  readonly macs: number;
}

/** A graph model's own nodes, or a composition's parts in order. */
export interface ModelPlan {
  readonly name: string;
  readonly input: Shape;
  /** For a graph model whose input is another model's output: that model. */
  readonly inputModel?: string;
  /** The graph models it runs, in order (itself, for a graph model). */
  readonly parts: readonly string[];
  readonly output: Shape;
  readonly trainable: number;
  readonly macs: number;
}

export interface GraphPlan {
  readonly models: Readonly<Record<string, ModelPlan>>;
  /** Nodes of each graph model (compositions have none of their own). */
  readonly nodes: Readonly<Record<string, readonly NodePlan[]>>;
  /** Graph models that start from a weights file: which tensor each node takes (import/plan.ts). */
  readonly weights?: Readonly<Record<string, WeightImportPlan>>;
}

const OPS = new Map<string, GraphOp>(graphOps.map((o) => [o.name, o]));

/** Plans every model; throws one InputError with every graph problem found, located. */
export function analyzeGraphs(p: ResolvedPipeline, locate: Locate): GraphPlan {
  const models: Record<string, ModelPlan> = {};
  const nodes: Record<string, NodePlan[]> = {};
  const problems: Diagnostic[] = [];
  const failed = new Set<string>();
  const plan = (name: string): ModelPlan | undefined => {
    if (models[name]) return models[name];
    if (failed.has(name)) return undefined;
    try {
      models[name] = planModel(p, name, plan, nodes);
      return models[name];
    } catch (e) {
      failed.add(name);
      if (e instanceof GraphError) problems.push(diagnostic(e, locate));
      else if (e instanceof InputError) problems.push(...e.diagnostics);
      else if (!(e instanceof DependencyFailed)) throw e;
      return undefined;
    }
  };
  for (const name of Object.keys(p.models)) plan(name);
  problems.push(...checkClassScores(p, models, locate));
  const weights: Record<string, WeightImportPlan> = {};
  for (const [name, model] of Object.entries(p.models)) {
    if (isComposed(model) || !model.weights || !nodes[name]) continue;
    const planned = planWeightImport(name, model.weights, nodes[name], locate);
    problems.push(...planned.problems);
    if (planned.plan) weights[name] = planned.plan;
  }
  if (problems.length) throw new InputError(problems);
  return { models, nodes, ...(Object.keys(weights).length ? { weights } : {}) };
}

/** A model that depends on one that already failed: its own error is the other's. */
class DependencyFailed extends Error {}

function planModel(p: ResolvedPipeline, name: string, plan: (n: string) => ModelPlan | undefined, allNodes: Record<string, NodePlan[]>): ModelPlan {
  const model = p.models[name];
  if (isComposed(model)) {
    const parts = model.compose.map((m) => plan(m) ?? fail());
    parts.forEach((part, i) => {
      if (i === 0) return;
      const prev = parts[i - 1];
      const at: Path = ['models', name, 'compose', i];
      if (part.inputModel !== undefined && !prev.parts.includes(part.inputModel) && part.inputModel !== prev.name) {
        throw new GraphError(at, [], `'${part.name}' reads the output of '${part.inputModel}', but here it follows '${prev.name}'`);
      }
      if (fmt(part.input) !== fmt(prev.output)) throw new GraphError(at, [], `'${part.name}' takes ${fmt(part.input)}, but '${prev.name}' gives ${fmt(prev.output)}`);
    });
    return {
      name, input: parts[0].input, inputModel: parts[0].inputModel, parts: parts.flatMap((q) => q.parts),
      output: parts[parts.length - 1].output, trainable: sum(parts.map((q) => q.trainable)), macs: sum(parts.map((q) => q.macs)),
    };
  }
  const inputModel = typeof model.input === 'string' ? model.input : undefined;
  const input: Shape = inputModel === undefined ? (model.input as Shape) : (plan(inputModel) ?? fail()).output;
  const planned: NodePlan[] = [];
  const shapes = new Map<string, Shape>([[INPUT, input]]);
  const shapeOf = (node: FlatNode): Shape => {
    const n = inferNode(node, node.inputs.map((i) => shapes.get(i)!));
    shapes.set(n.name, n.shape);
    planned.push(n);
    return n.shape;
  };
  const { output } = expandModel(model.nodes, p.blocks, ['models', name, 'nodes'], { input, params: p.params, shapeOf });
  checkAllUsed(planned, output);
  checkParameterLimit(name, planned);
  allNodes[name] = planned;
  const last = planned.find((n) => n.name === output);
  return { name, input, inputModel, parts: [name], output: last?.shape ?? input, trainable: sum(planned.map((n) => n.trainable)), macs: sum(planned.map((n) => n.macs)) };
}

function inferNode(node: FlatNode, inputShapes: readonly Shape[]): NodePlan {
  const op = OPS.get(node.op);
  if (!op) throw new GraphError([...node.source, 'op'], node.usedAt, `unknown op '${node.op}'`);
  if (op.arity === 'one' && node.inputs.length !== 1) throw new GraphError([...node.source, 'from'], node.usedAt, `${node.op} '${node.name}' takes one input, found ${node.inputs.length}: ${node.inputs.join(', ')}`);
  if (op.arity === 'many' && node.inputs.length < 2) throw new GraphError([...node.source, 'from'], node.usedAt, `${node.op} '${node.name}' joins two or more inputs, found ${node.inputs.length}: ${node.inputs.join(', ')}`);
  try {
    return { ...node, inputShapes, ...op.infer(node, inputShapes) };
  } catch (e) {
    if (e instanceof OpError) throw new GraphError(node.source, node.usedAt, `node '${node.name}': ${e.message}`);
    throw e;
  }
}

/** A branch computed and never read is a wiring mistake (e.g. an add that took the wrong node). */
function checkAllUsed(nodes: readonly NodePlan[], output: string): void {
  const read = new Set(nodes.flatMap((n) => n.inputs));
  for (const n of nodes) {
    if (n.name !== output && !read.has(n.name)) {
      throw new GraphError(n.source, n.usedAt, `${n.op} '${n.name}' is computed but never used (a dangling branch): read it with from, or remove it`);
    }
  }
}

function diagnostic(e: GraphError, locate: Locate): Diagnostic {
  const via = e.usedAt.map((u) => {
    const l = locate(u);
    return l ? `${formatPath(u)} (${l.file}:${l.line})` : formatPath(u);
  });
  return { location: locate(e.at), path: formatPath(e.at), message: e.message, ...(via.length ? { hint: `in a block used at ${via.join(' -> ')}` } : {}) };
}

function fail(): never {
  throw new DependencyFailed();
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
