// Elementwise ops and reshapes: one input, no weights.
import { entry, num } from '../../config/schema/fragments.js';
import { chain, OpError, type BuildContext, type GraphOp } from '../op.js';
import { fmt, image } from '../shape-rules.js';
import { nodeFields } from './fields.js';
import type { FlatNode } from '../expand.js';
import type { TorchActivationKind } from '../layers/activation.js';
import type * as tfjs from '@tensorflow/tfjs';

type Builder = (ctx: BuildContext, node: FlatNode) => tfjs.layers.Layer;

function elementwise(name: string, description: string, make: Builder, params: Record<string, ReturnType<typeof num>> = {}): GraphOp {
  return {
    name,
    description,
    arity: 'one',
    schema: entry('op', name, description, { ...nodeFields, ...params }),
    infer: (_node, [input]) => ({ shape: input, trainable: 0, macs: 0 }),
    build: (ctx, node) => chain(make(ctx, node)),
  };
}

export const relu = elementwise('relu', 'max(x, 0).', ({ tf, name }) => tf.layers.reLU({ name }));
export const sigmoid = elementwise('sigmoid', '1 / (1 + exp(-x)).', ({ tf, name }) => tf.layers.activation({ name, activation: 'sigmoid' }));
export const tanh = elementwise('tanh', 'Hyperbolic tangent.', ({ tf, name }) => tf.layers.activation({ name, activation: 'tanh' }));
export const softmax = elementwise('softmax', 'Softmax over the last axis.', ({ tf, name }) => tf.layers.softmax({ name, axis: -1 }));
export const identity = elementwise('identity', 'Passes its input through unchanged (a named junction).', ({ tf, name }) => tf.layers.activation({ name, activation: 'linear' }));
export const leakyRelu = elementwise('leaky_relu', 'x if x > 0 else negative_slope * x.', ({ tf, name }, node) => tf.layers.leakyReLU({ name, alpha: Number(node.params.negative_slope ?? 0.01) }), {
  negative_slope: num('Slope for x < 0.', { default: 0.01 }),
});
export const elu = elementwise('elu', 'x if x > 0 else alpha * (exp(x) - 1).', ({ tf, custom, name }, node) => {
  // tf.layers' ELU takes only alpha 1 (it throws at build otherwise).
  const alpha = Number(node.params.alpha ?? 1);
  return alpha === 1 ? tf.layers.elu({ name }) : new custom.Elu({ name, alpha });
}, {
  alpha: num('Scale of the negative part.', { default: 1 }),
});

// torch.nn's activations that tf.layers lacks (layers/activation.ts).
const torchActivation = (name: TorchActivationKind, description: string) =>
  elementwise(name, description, ({ custom, name: layerName }) => new custom.TorchActivation({ name: layerName, kind: name }));
export const relu6 = torchActivation('relu6', 'min(max(x, 0), 6), as torch.nn.ReLU6 (MobileNetV2).');
export const hardsigmoid = torchActivation('hardsigmoid', 'relu6(x + 3) / 6, as torch.nn.Hardsigmoid (MobileNetV3\'s squeeze-and-excitation gate).');
export const hardswish = torchActivation('hardswish', 'x * relu6(x + 3) / 6, as torch.nn.Hardswish (MobileNetV3).');
export const silu = torchActivation('silu', 'x * sigmoid(x), as torch.nn.SiLU (EfficientNet).');
export const gelu = torchActivation('gelu', 'x * (1 + erf(x / sqrt(2))) / 2, as torch.nn.GELU\'s default (exact, not the tanh approximation).');

const flattenDescription = 'Flattens [h, w, c] to [h * w * c] (channels last; PyTorch flattens [c, h, w]).';
export const flatten: GraphOp = {
  name: 'flatten',
  description: flattenDescription,
  arity: 'one',
  schema: entry('op', 'flatten', flattenDescription, { ...nodeFields }),
  infer: (_node, [input]) => ({ shape: [input.reduce((a, b) => a * b, 1)], trainable: 0, macs: 0 }),
  build: ({ tf, name }) => chain(tf.layers.flatten({ name })),
};

const gapDescription = 'Mean over height and width: [h, w, c] -> [c], as AdaptiveAvgPool2d(1) + flatten.';
export const globalAvgpool: GraphOp = {
  name: 'global_avgpool',
  description: gapDescription,
  arity: 'one',
  schema: entry('op', 'global_avgpool', gapDescription, { ...nodeFields }),
  infer(_node, [input]) {
    const [, , c] = image(input, 'global_avgpool');
    return { shape: [c], trainable: 0, macs: 0 };
  },
  build: ({ tf, name }) => chain(tf.layers.globalAveragePooling2d({ name })),
};

/** Ops that need a flat input say so, naming the shape they got. */
export function flat(input: readonly number[], op: string): number {
  if (input.length !== 1) throw new OpError(`${op} needs a flat input, found ${fmt(input)}; put flatten or global_avgpool before it`);
  return input[0];
}
