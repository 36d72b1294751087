// A stored model (the engine's layers format) rewritten to use only layer classes that stock
// TensorFlow.js registers, so tf.loadLayersModel loads it with @tensorflow/tfjs alone. Layers go
// through in model.json's order: a stock class is kept (its inputs renamed to their rewritten
// producers), an engine class is replaced by its rewrite (rewrites/), anything else is refused,
// naming the layer. Weights keep their names unless a rewrite changes them.
import { InputError } from '../errors.js';
import { channelsIn } from './channels.js';
import { nonNegativeIn } from './nonnegative.js';
import { STOCK_CLASSES, stockRewrites, type Replacement, type RewriteContext } from './rewrites/index.js';
import { refKey, refOf, type InboundRef, type LayerJson, type LayersModelFiles, type NamedWeight, type TensorRef } from './topology.js';

const REWRITES = new Map(stockRewrites.map((r) => [r.className, r]));

const ENGINE_FORMAT_HINT = "--format tfjs-engine exports the engine's layers as they are (register src/graph/layers before tf.loadLayersModel)";

/** The refusal: which layer of which model, and why it has no stock form. */
export function stockRefusal(model: string, layer: LayerJson, why: string): InputError {
  return new InputError([{ message: `cannot export model '${model}' for stock TensorFlow.js: layer '${layer.name}' (${layer.class_name}): ${why}`, hint: ENGINE_FORMAT_HINT }]);
}

export function toStockLayers(source: LayersModelFiles): LayersModelFiles {
  const { config } = source.topology;
  const layers = new Map(config.layers.map((l) => [l.name, l]));
  const weights = new Map(source.weights.map((w) => [w.name, w]));
  const used = new Set(layers.keys());
  const consumers = new Map<string, LayerJson[]>();
  for (const l of config.layers) {
    for (const call of l.inbound_nodes) {
      for (const [from] of call) {
        const list = consumers.get(from) ?? [];
        if (!list.includes(l)) consumers.set(from, [...list, l]);
      }
    }
  }

  const refuse = (layer: LayerJson, why: string): never => {
    throw stockRefusal(config.name, layer, why);
  };
  const ctx: RewriteContext = {
    consumers: (name) => consumers.get(name) ?? [],
    nonNegative: nonNegativeIn(layers),
    channels: channelsIn(layers),
    weight(name) {
      const w = weights.get(name);
      if (!w) throw new InputError([{ message: `model '${config.name}' has no weight '${name}' in its manifest (is model.json damaged?)` }]);
      return w;
    },
    freshName(base) {
      let name = base;
      for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
      used.add(name);
      return name;
    },
    refuse,
  };

  // What each source tensor is called in the rewritten model (absent: unchanged).
  const renamed = new Map<string, TensorRef>();
  const rename = (i: InboundRef): InboundRef => {
    const to = renamed.get(refKey(refOf(i)));
    return to ? [to.layer, to.node, to.tensor, i[3]] : i;
  };
  const absorbed = new Set<string>();
  const out: LayerJson[] = [];
  for (const layer of config.layers) {
    if (absorbed.has(layer.name)) continue;
    const rewrite = REWRITES.get(layer.class_name);
    if (!rewrite) {
      if (!STOCK_CLASSES.has(layer.class_name)) refuse(layer, 'stock TensorFlow.js has no such layer and pipe has no stock rewrite for it');
      out.push({ ...layer, inbound_nodes: layer.inbound_nodes.map((call) => call.map(rename)) });
      continue;
    }
    if (layer.inbound_nodes.length !== 1 || layer.inbound_nodes[0].length !== 1) refuse(layer, `it is called ${layer.inbound_nodes.length} times with ${layer.inbound_nodes.map((c) => c.length).join(', ')} inputs; a rewrite takes one call on one input`);
    const input = refOf(rename(layer.inbound_nodes[0][0]));
    const r: Replacement = rewrite.rewrite(layer, input, ctx);
    out.push(...r.layers);
    renamed.set(refKey({ layer: layer.name, node: 0, tensor: 0 }), r.output);
    if (r.absorbs) {
      absorbed.add(r.absorbs);
      renamed.set(refKey({ layer: r.absorbs, node: 0, tensor: 0 }), r.output);
    }
    for (const name of r.dropWeights ?? []) weights.delete(name);
    for (const w of r.addWeights ?? []) weights.set(w.name, w);
  }
  const rewritten = new Set(out.map((l) => l.class_name));
  for (const c of rewritten) if (!STOCK_CLASSES.has(c)) throw new Error(`a stock rewrite wrote class ${c}, which stock tfjs does not register`);
  const outputRef = (r: readonly [string, number, number]): [string, number, number] => {
    const [layer, node, tensor] = rename([r[0], r[1], r[2], {}]);
    return [layer, node, tensor];
  };
  return {
    meta: source.meta,
    topology: { ...source.topology, config: { ...config, layers: out, output_layers: config.output_layers.map(outputRef) } },
    weights: [...weights.values()] as NamedWeight[],
  };
}
