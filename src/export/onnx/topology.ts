// The layer graph of a tfjs layers model as model.json stores it (Keras's functional format):
// each layer's class, config and the tensors each of its applications read. Read and checked
// here once, so the converters see typed, well-formed layers only; a damaged file is refused
// with the JSON path of what is wrong.
import { LayerRefusal, shown } from './refusal.js';

/** A tensor of the graph: output `tensor` of application `node` of layer `layer`. */
export interface TensorRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

export interface TopologyLayer {
  readonly name: string;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** One entry per application of the layer (a shared layer has several): the tensors it reads. */
  readonly inbound: readonly (readonly TensorRef[])[];
}

export interface Topology {
  readonly name: string;
  readonly layers: readonly TopologyLayer[];
  readonly inputs: readonly TensorRef[];
  readonly outputs: readonly TensorRef[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(path: string, message: string): never {
  throw new LayerRefusal(`${path}: ${message}`);
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') fail(path, `expected a name, found ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

function index(v: unknown, path: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(path, `expected a whole number >= 0, found ${JSON.stringify(v) ?? 'nothing'}`);
  return v as number;
}

function ref(v: unknown, path: string): TensorRef {
  if (!Array.isArray(v) || v.length < 3) fail(path, `expected [layer, node, tensor], found ${JSON.stringify(v)?.slice(0, 80) ?? 'nothing'}`);
  return { layer: str(v[0], `${path}[0]`), node: index(v[1], `${path}[1]`), tensor: index(v[2], `${path}[2]`) };
}

function refs(v: unknown, path: string): TensorRef[] {
  if (!Array.isArray(v)) fail(path, `expected a list, found ${JSON.stringify(v)?.slice(0, 80) ?? 'nothing'}`);
  return v.map((r, i) => ref(r, `${path}[${i}]`));
}

/** Reads `modelTopology` of a model.json; every reference must name a layer of the file. */
export function parseTopology(modelTopology: unknown): Topology {
  const at = 'modelTopology';
  if (!isObject(modelTopology)) fail(at, 'missing or not an object');
  const kind = modelTopology.class_name;
  if (kind !== 'Model' && kind !== 'Functional') {
    fail(`${at}.class_name`, `the ONNX export reads functional models (class Model, as pipe saves them), found ${JSON.stringify(kind) ?? 'nothing'}`);
  }
  const config = modelTopology.config;
  if (!isObject(config)) fail(`${at}.config`, 'missing or not an object');
  if (!Array.isArray(config.layers) || config.layers.length === 0) fail(`${at}.config.layers`, 'expected a non-empty list of layers');
  const seen = new Set<string>();
  const layers = config.layers.map((l: unknown, i: number): TopologyLayer => {
    const path = `${at}.config.layers[${i}]`;
    if (!isObject(l)) fail(path, 'expected a layer object');
    const name = str(l.name ?? (isObject(l.config) ? l.config.name : undefined), `${path}.name`);
    if (seen.has(name)) fail(`${path}.name`, `layer ${shown(name)} appears twice`);
    seen.add(name);
    const className = str(l.class_name, `${path}.class_name`);
    if (!isObject(l.config)) fail(`${path}.config`, `layer ${shown(name)} has no config object`);
    if (!Array.isArray(l.inbound_nodes)) fail(`${path}.inbound_nodes`, `layer ${shown(name)}: expected a list`);
    const inbound = l.inbound_nodes.map((n: unknown, k: number) => refs(n, `${path}.inbound_nodes[${k}]`));
    return { name, className, config: l.config, inbound };
  });
  const inputs = refs(config.input_layers, `${at}.config.input_layers`);
  const outputs = refs(config.output_layers, `${at}.config.output_layers`);
  if (inputs.length === 0 || outputs.length === 0) fail(`${at}.config`, 'a model needs at least one input and one output');
  const known = new Map(layers.map((l) => [l.name, l]));
  const check = (r: TensorRef, where: string) => {
    const target = known.get(r.layer);
    if (!target) fail(where, `names layer ${shown(r.layer)}, which the file does not define`);
    const applications = target.className === 'InputLayer' ? 1 : target.inbound.length;
    if (r.node >= applications) fail(where, `names application ${r.node} of layer ${shown(r.layer)}, which has ${applications}`);
    if (r.tensor !== 0) fail(where, `names output ${r.tensor} of layer ${shown(r.layer)}; the layers the export knows have one output`);
  };
  layers.forEach((l, i) => l.inbound.forEach((n, k) => n.forEach((r, j) => check(r, `${at}.config.layers[${i}].inbound_nodes[${k}][${j}]`))));
  inputs.forEach((r, i) => check(r, `${at}.config.input_layers[${i}]`));
  outputs.forEach((r, i) => check(r, `${at}.config.output_layers[${i}]`));
  return { name: typeof config.name === 'string' ? config.name : 'model', layers, inputs, outputs };
}
