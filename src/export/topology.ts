// The tfjs layers format as model.json stores it (Keras's JSON, snake_case keys), read as plain
// data: an export rewrites it without building a model, so it needs neither tfjs nor the engine's
// layers, and what it writes is exactly what a page will read.

/** One input of a layer call: [layer, node index, tensor index, call kwargs]. */
export type InboundRef = [string, number, number, Record<string, unknown>];

export interface LayerJson {
  readonly name: string;
  readonly class_name: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** One entry per call of the layer: the inputs of that call. */
  readonly inbound_nodes: readonly (readonly InboundRef[])[];
}

export interface ModelTopology {
  readonly class_name: string;
  readonly keras_version?: string;
  readonly backend?: string;
  readonly config: {
    readonly name: string;
    readonly layers: readonly LayerJson[];
    readonly input_layers: readonly [string, number, number][];
    readonly output_layers: readonly [string, number, number][];
  };
}

/** A weight as model.json's manifest names it, with its values (float32, the engine's only dtype). */
export interface NamedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** model.json's fields and the weights of weights.bin, in manifest order. */
export interface LayersModelFiles {
  readonly topology: ModelTopology;
  readonly weights: readonly NamedWeight[];
  /** model.json's other fields (format, generatedBy, convertedBy), carried over unchanged. */
  readonly meta: Readonly<Record<string, unknown>>;
}

/** A tensor a layer call produced: the output `tensor` of call `node` of `layer`. */
export interface TensorRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

export const refKey = (r: TensorRef): string => `${r.layer}\u0000${r.node}\u0000${r.tensor}`;

export function refOf(inbound: InboundRef): TensorRef {
  return { layer: inbound[0], node: inbound[1], tensor: inbound[2] };
}

/** A stock layer called once on `inputs`. Keys of `config` are Keras's snake_case, as model.json has them. */
export function stockLayer(className: string, name: string, config: Record<string, unknown>, inputs: readonly TensorRef[]): LayerJson {
  return {
    name,
    class_name: className,
    config: { name, trainable: true, dtype: 'float32', ...config },
    inbound_nodes: [inputs.map((r): InboundRef => [r.layer, r.node, r.tensor, {}])],
  };
}

/** The single output of the single call of a layer made by stockLayer. */
export const outputOf = (layer: LayerJson): TensorRef => ({ layer: layer.name, node: 0, tensor: 0 });
