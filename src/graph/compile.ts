// Compiles planned graphs to tf.LayersModel with the functional API. Each node's layers are made
// once per compile and shared by every model that runs them (an autoencoder and a classifier
// over one encoder share its weights). Layer names are `model/node`, unique in the pipeline.
import * as tf from '@tensorflow/tfjs';
import { isComposed, type GraphModel, type ResolvedPipeline } from '../config/types.js';
import type { GraphPlan } from './analyze.js';
import { INPUT } from './expand.js';
import { loadWeightImport } from './import/load.js';
import { distribution, drawValues, fansOf } from './init.js';
import { customLayers } from './layers/index.js';
import type { BuiltNode, GraphOp } from './op.js';
import { graphOps } from './ops/registry.js';
import { Rng } from '../random.js';

const OPS = new Map<string, GraphOp>(graphOps.map((o) => [o.name, o]));

export interface CompiledGraphs {
  /** A tf.LayersModel for a named model (built on first request, then cached). */
  model(name: string): tf.LayersModel;
  /** The layers of a graph model's nodes, by node name. */
  layers(graphModel: string): ReadonlyMap<string, readonly tf.layers.Layer[]>;
}

export function compileGraphs(p: ResolvedPipeline, plan: GraphPlan): CompiledGraphs {
  const built = new Map<string, Map<string, BuiltNode>>();
  const models = new Map<string, tf.LayersModel>();

  const nodesOf = (graph: string): Map<string, BuiltNode> => {
    let nodes = built.get(graph);
    if (!nodes) {
      nodes = new Map();
      for (const n of plan.nodes[graph]) {
        nodes.set(n.name, OPS.get(n.op)!.build({ tf, custom: customLayers, name: `${graph}/${n.name}`, inputs: n.inputShapes, seed: (name) => Rng.from(p.seed, `layer/${name}`).nextU32() >>> 1 }, n));
      }
      built.set(graph, nodes);
    }
    return nodes;
  };

  const applyGraph = (graph: string, x: tf.SymbolicTensor): tf.SymbolicTensor => {
    const nodes = nodesOf(graph);
    const values = new Map<string, tf.SymbolicTensor>([[INPUT, x]]);
    let last = x;
    for (const n of plan.nodes[graph]) {
      last = nodes.get(n.name)!.apply(n.inputs.map((i) => values.get(i)!));
      values.set(n.name, last);
    }
    return last;
  };

  const initialised = new Set<string>();
  const initialise = (graph: string) => {
    if (initialised.has(graph)) return;
    initialised.add(graph);
    const spec = p.models[graph] as GraphModel;
    const imported = plan.weights?.[graph];
    // Nodes the weights file fills take nothing from the initialisers (alexnet's 57M draws, saved).
    const fromFile = new Set(imported?.nodes.map((n) => n.node));
    for (const n of plan.nodes[graph]) {
      const layer = built.get(graph)!.get(n.name)!.weighted;
      if (!layer || fromFile.has(n.name)) continue;
      const defaults = spec.init[n.op] ?? {};
      const [kernel, ...rest] = layer.getWeights();
      const fans = fansOf(kernel.shape);
      const values = [
        drawValues(distribution((n.params.kernel_init ?? defaults.kernel ?? 'pytorch') as never, 'kernel', fans), kernel.size, p.seed, `init/${graph}/${n.name}/kernel`),
        ...rest.map((b) => drawValues(distribution((n.params.bias_init ?? defaults.bias ?? 'pytorch') as never, 'bias', fans), b.size, p.seed, `init/${graph}/${n.name}/bias`)),
      ];
      const tensors = [kernel, ...rest].map((w, i) => tf.tensor(values[i], w.shape));
      layer.setWeights(tensors);
      tf.dispose(tensors);
    }
    if (imported) loadWeightImport(tf, imported, (node) => built.get(graph)!.get(node)!.layers);
  };

  return {
    model(name) {
      const cached = models.get(name);
      if (cached) return cached;
      const m = plan.models[name];
      const input = tf.input({ shape: [...m.input], name: `${name}/input` });
      let x: tf.SymbolicTensor = input;
      for (const part of m.parts) x = applyGraph(part, x);
      m.parts.forEach(initialise);
      const model = tf.model({ inputs: input, outputs: x, name });
      models.set(name, model);
      return model;
    },
    layers(graph) {
      if (isComposed(p.models[graph])) throw new Error(`${graph} is a composition; ask for one of its parts`);
      return new Map([...nodesOf(graph)].map(([k, v]) => [k, v.layers]));
    },
  };
}
