// Which tensors of a model are >= 0 for every input: those a ReLU (or sigmoid, softmax...) made,
// and what only moves, pools, pads with zeros, adds or scales by a factor >= 0 such values. A max
// pool's -Infinity padding can be zeros over them (rewrites/pad.ts). A sound, not complete, rule:
// false means "not proved", never "negative somewhere".
import { refKey, refOf, type LayerJson, type TensorRef } from './topology.js';

/** Activations whose every value is >= 0. */
const NON_NEGATIVE_ACTIVATIONS = new Set(['relu', 'relu6', 'sigmoid', 'hard_sigmoid', 'softmax', 'softplus', 'exponential']);

/** Layers whose output is >= 0 when all their inputs are. */
const PRESERVING = new Set([
  'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'Reshape',
  'Dropout', 'PipeSeededDropout', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'PipeTorchUpsample2D',
  'Add', 'Concatenate', 'Maximum', 'Multiply',
]);

function layerRule(layer: LayerJson): 'yes' | 'if inputs' | 'no' {
  const c = layer.config;
  switch (layer.class_name) {
    case 'ReLU':
    case 'Softmax':
      return 'yes';
    case 'Activation':
    case 'Conv2D':
    case 'Conv2DTranspose':
    case 'DepthwiseConv2D':
    case 'Dense':
      if (NON_NEGATIVE_ACTIVATIONS.has(String(c.activation))) return 'yes';
      return layer.class_name === 'Activation' && c.activation === 'linear' ? 'if inputs' : 'no';
    case 'PipeTorchActivation':
      return c.kind === 'relu6' || c.kind === 'hardsigmoid' ? 'yes' : 'no';
    case 'PipeTorchPad2D':
      return c.value === 0 ? 'if inputs' : 'no';
    case 'PipeScale':
      return typeof c.factor === 'number' && c.factor >= 0 ? 'if inputs' : 'no';
    case 'Rescaling':
      return typeof c.scale === 'number' && c.scale >= 0 && (c.offset === undefined || (typeof c.offset === 'number' && c.offset >= 0)) ? 'if inputs' : 'no';
    default:
      return PRESERVING.has(layer.class_name) ? 'if inputs' : 'no';
  }
}

/** A memoised test over the layers of one model (by name). */
export function nonNegativeIn(layers: ReadonlyMap<string, LayerJson>): (ref: TensorRef) => boolean {
  const known = new Map<string, boolean>();
  const test = (ref: TensorRef): boolean => {
    const key = refKey(ref);
    const seen = known.get(key);
    if (seen !== undefined) return seen;
    known.set(key, false); // a cycle (a damaged file) proves nothing
    const layer = layers.get(ref.layer);
    const rule = layer ? layerRule(layer) : 'no';
    const inputs = layer?.inbound_nodes[ref.node] ?? [];
    const result = rule === 'yes' || (rule === 'if inputs' && inputs.length > 0 && inputs.every((i) => test(refOf(i))));
    known.set(key, result);
    return result;
  };
  return test;
}
