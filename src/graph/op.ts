// The contract of a layer op: its YAML schema (for the language), a shape rule with parameter and
// MAC counts (for checking and `pipe show`, without TensorFlow.js), and a builder (for compiling).
import type * as tfjs from '@tensorflow/tfjs';
import type { SchemaEntry } from '../config/schema/fragments.js';
import type { FlatNode } from './expand.js';
import type { CustomLayers } from './layers/index.js';

/** A tensor's shape without the batch axis: [height, width, channels] or [features]. */
export type Shape = readonly number[];

export interface Inferred {
  readonly shape: Shape;
  /** Trainable parameters, counted as PyTorch counts them (BN running statistics excluded). */
  readonly trainable: number;
  /** Multiply-accumulates per image. */
  readonly macs: number;
}

export interface BuildContext {
  readonly tf: typeof tfjs;
  readonly custom: CustomLayers;
  /** Unique layer name for this node in the compiled model (e.g. `encoder/res2/main`). */
  readonly name: string;
  /** The node's input shapes, as inferred. */
  readonly inputs: readonly Shape[];
  /** A 31-bit seed for a layer's own randomness (dropout), from the pipeline seed and a name. */
  seed(name: string): number;
}

/** The layers of one node, applied in order; the weighted one receives the initialisers. */
export interface BuiltNode {
  readonly layers: readonly tfjs.layers.Layer[];
  readonly weighted?: tfjs.layers.Layer;
  apply(inputs: readonly tfjs.SymbolicTensor[]): tfjs.SymbolicTensor;
}

export interface GraphOp extends SchemaEntry {
  /** How many inputs it takes: exactly one, or two or more. */
  readonly arity: 'one' | 'many';
  /** Throws OpError (a message, no location) for impossible parameters or shapes. */
  infer(node: FlatNode, inputs: readonly Shape[]): Inferred;
  build(ctx: BuildContext, node: FlatNode): BuiltNode;
}

/** A problem with one node's parameters or input shapes; the analyzer adds the location. */
export class OpError extends Error {}

/** One layer after another, as a node's builder returns them. */
export function chain(...layers: tfjs.layers.Layer[]): Pick<BuiltNode, 'layers' | 'apply'> {
  return {
    layers,
    apply(inputs) {
      let x: tfjs.SymbolicTensor | tfjs.SymbolicTensor[] = inputs.length === 1 ? inputs[0] : [...inputs];
      for (const l of layers) x = l.apply(x) as tfjs.SymbolicTensor;
      return x as tfjs.SymbolicTensor;
    },
  };
}
