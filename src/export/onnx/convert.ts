// A stored tfjs layers model to an ONNX model (opset 13): the layers in dependency order, each
// through its converter (layers/registry.ts), between an input and outputs laid out as the
// engine's (NHWC images, [batch, n] vectors) with a symbolic batch dimension. Inside, images are
// NCHW, ONNX's layout: one Transpose after each image input and before each image output.
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import { InputError, type Diagnostic } from '../../errors.js';
import { LayerContext, type LayerConverter, type Value } from './layer-converter.js';
import { layerConverters } from './layers/registry.js';
import { FLOAT, OnnxGraph } from './onnx-graph.js';
import { LayerRefusal, modelFileError, shown } from './refusal.js';
import type { StoredModel } from './stored-model.js';
import type { TensorRef, TopologyLayer } from './topology.js';

export const OPSET = 13;
/** ONNX IR version 7 is the one that goes with opset 13. */
const IR_VERSION = 7;
/** Protobuf's cap on one message; weights past it would need ONNX's external data files. */
const MAX_BYTES = 2 ** 31 - 1;

export interface OnnxMetadata {
  /** producer_version: the version of pipe. */
  readonly producerVersion: string;
  /** The model's metadata_props, e.g. pipeline, stage, model, key. */
  readonly props: Readonly<Record<string, string>>;
}

/** A graph input or output: its name and shape per example, NHWC for images as the engine's. */
export interface OnnxTensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface OnnxModel {
  readonly bytes: Uint8Array;
  readonly inputs: readonly OnnxTensorInfo[];
  readonly outputs: readonly OnnxTensorInfo[];
}

const CONVERTERS = new Map<string, LayerConverter>(layerConverters.map((c) => [c.className, c]));

export function convertToOnnx(model: StoredModel, meta: OnnxMetadata): OnnxModel {
  const { file, topology } = model;
  refuseUnknownLayers(file, topology.layers);
  const graph = new OnnxGraph();
  const values = new Map<string, Value>();
  const key = (r: { layer: string; node: number }) => `${r.layer}\u0000${r.node}`;
  const byName = new Map(topology.layers.map((l) => [l.name, l]));

  const inputs = topology.inputs.map((r) => {
    const layer = byName.get(r.layer)!;
    const shape = inputShape(file, layer);
    graph.fresh(layer.name);
    const name = shape.length === 3 ? graph.node('Transpose', [layer.name], `${layer.name}/nchw`, { perm: { ints: [0, 3, 1, 2] } }) : layer.name;
    values.set(key(r), { name, shape });
    return { name: layer.name, shape };
  });
  const stray = topology.layers.find((l) => l.className === 'InputLayer' && !topology.inputs.some((r) => r.layer === l.name));
  if (stray) throw modelFileError(file, `layer ${shown(stray.name)} (InputLayer) is not one of the model's input_layers`);

  // Each application of each layer once its inputs are made; a pass that makes nothing means the
  // rest read tensors nothing makes (a cycle in a damaged file).
  let pending = topology.layers.filter((l) => l.className !== 'InputLayer').flatMap((layer) => layer.inbound.map((refs, node) => ({ layer, node, refs })));
  while (pending.length > 0) {
    const waiting = pending.filter((p) => !p.refs.every((r) => values.has(key(r))));
    if (waiting.length === pending.length) {
      throw modelFileError(file, `layers ${waiting.slice(0, 3).map((p) => shown(p.layer.name)).join(', ')}${waiting.length > 3 ? ` and ${waiting.length - 3} more` : ''} read tensors no layer makes (a cycle?)`);
    }
    for (const p of pending.filter((q) => !waiting.includes(q))) {
      const name = p.node === 0 ? p.layer.name : `${p.layer.name}:${p.node}`;
      const ctx = new LayerContext(graph, p.layer, name, model.weights);
      try {
        values.set(key({ layer: p.layer.name, node: p.node }), CONVERTERS.get(p.layer.className)!.convert(ctx, p.refs.map((r) => values.get(key(r))!)));
      } catch (e) {
        if (e instanceof LayerRefusal) throw modelFileError(file, `layer ${shown(p.layer.name)} (${p.layer.className}): ${e.message}`, e.hint);
        throw e;
      }
    }
    pending = waiting;
  }

  const outputs = topology.outputs.map((r) => output(graph, r, values.get(key(r))!));
  if (graph.bytes > MAX_BYTES) throw modelFileError(file, `the weights take ${graph.bytes} bytes; one ONNX file holds at most 2 GiB`);
  const proto: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'pipe',
    producerVersion: meta.producerVersion,
    metadataProps: Object.entries({ ...meta.props, layout: 'NHWC' }).map(([k, v]) => ({ key: k, value: v })),
    graph: {
      name: topology.name,
      node: graph.nodes,
      initializer: [...graph.initializers.values()],
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    },
  };
  return { bytes: onnxProto.onnx.ModelProto.encode(proto).finish(), inputs, outputs };
}

/** Refuses, before converting anything, every layer class the registry lacks (one line each). */
function refuseUnknownLayers(file: string, layers: readonly TopologyLayer[]): void {
  const unknown = new Map<string, TopologyLayer[]>();
  for (const l of layers) if (l.className !== 'InputLayer' && !CONVERTERS.has(l.className)) unknown.set(l.className, [...(unknown.get(l.className) ?? []), l]);
  if (unknown.size === 0) return;
  const known = [...CONVERTERS.keys()].sort().join(', ');
  const diagnostics: Diagnostic[] = [...unknown].map(([cls, ls]) => ({
    location: { file, line: 0, col: 0 },
    message: `layer ${shown(ls[0].name)}${ls.length > 1 ? ` (and ${ls.length - 1} more)` : ''} is a ${shown(cls)}, which the ONNX export cannot express`,
    hint: `it converts ${known}`,
  }));
  throw new InputError(diagnostics);
}

/** An InputLayer's shape per example: [h, w, c] or [n]. */
function inputShape(file: string, layer: TopologyLayer): number[] {
  const s = layer.config.batch_input_shape;
  const ok = Array.isArray(s) && s[0] === null && (s.length === 4 || s.length === 2) && s.slice(1).every((d) => Number.isSafeInteger(d) && d > 0);
  if (!ok) throw modelFileError(file, `layer ${shown(layer.name)} (InputLayer): config.batch_input_shape is ${JSON.stringify(s)?.slice(0, 80) ?? 'missing'}; the export needs [null, h, w, c] or [null, n]`);
  return (s as number[]).slice(1);
}

/** A graph output named after its layer: NHWC again for an image. */
function output(graph: OnnxGraph, r: TensorRef, v: Value): OnnxTensorInfo {
  const name = r.node === 0 ? r.layer : `${r.layer}:${r.node}`;
  if (v.shape.length === 3) {
    let from = v.name;
    if (from === name) {
      from = graph.fresh(`${name}/nchw`);
      graph.rename(name, from);
    }
    return { name: graph.node('Transpose', [from], name, { perm: { ints: [0, 2, 3, 1] } }), shape: v.shape };
  }
  return { name: v.name === name ? name : graph.node('Identity', [v.name], name), shape: v.shape };
}

function valueInfo(t: OnnxTensorInfo): onnx.IValueInfoProto {
  return {
    name: t.name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, ...t.shape.map((d) => ({ dimValue: d }))] } } },
  };
}
