// The channel count (last axis) of a tensor of a stored model, from the layers' configs: what a
// stock Reshape needs where tfjs cannot derive it (its -1 stays unknown whenever the batch is).
// A sound, not complete, rule: null means "not known", and the rewrite that asked refuses.
import { refKey, refOf, type LayerJson, type TensorRef } from './topology.js';

/** Layers whose output has their first input's channels. */
const KEEP = new Set([
  'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax', 'Rescaling', 'Dropout', 'BatchNormalization',
  'MaxPooling2D', 'AveragePooling2D', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'Add', 'Multiply',
  'PipeTorchPad2D', 'PipeELU', 'PipeScale', 'PipeSeededDropout', 'PipeTorchUpsample2D', 'PipeTorchActivation',
  'PipeTorchAvgPool2D', 'PipeTorchAdaptiveAvgPool2D', 'PipeChannelShuffle', 'PipeStochasticDepth', 'PipeLayerScale',
  'GlobalAveragePooling2D',
]);

const whole = (v: unknown): number | null => (Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : null);

/** A memoised channel count over the layers of one model (by name). */
export function channelsIn(layers: ReadonlyMap<string, LayerJson>): (ref: TensorRef) => number | null {
  const known = new Map<string, number | null>();
  const count = (ref: TensorRef): number | null => {
    const key = refKey(ref);
    if (known.has(key)) return known.get(key)!;
    known.set(key, null); // a cycle (a damaged file) proves nothing
    const layer = layers.get(ref.layer);
    const inputs = (layer?.inbound_nodes[ref.node] ?? []).map((i) => refOf(i));
    let result: number | null = null;
    if (layer) {
      const c = layer.config;
      switch (layer.class_name) {
        case 'InputLayer': {
          const s = c.batch_input_shape;
          result = Array.isArray(s) ? whole(s[s.length - 1]) : null;
          break;
        }
        case 'Conv2D':
        case 'Conv2DTranspose':
        case 'PipeTorchConv2DTranspose':
        case 'PipeTorchGroupedConv2D':
          result = whole(c.filters);
          break;
        case 'Dense':
          result = whole(c.units);
          break;
        case 'DepthwiseConv2D': {
          const [m, input] = [whole(c.depth_multiplier ?? 1), inputs[0] ? count(inputs[0]) : null];
          result = m !== null && input !== null ? m * input : null;
          break;
        }
        case 'Concatenate': {
          const parts = inputs.map(count);
          result = (c.axis ?? -1) === -1 && parts.length > 0 && parts.every((p) => p !== null) ? parts.reduce((a, b) => a! + b!, 0) : null;
          break;
        }
        default:
          result = KEEP.has(layer.class_name) && inputs[0] ? count(inputs[0]) : null;
      }
    }
    known.set(key, result);
    return result;
  };
  return count;
}
