import { bool, entry, EXPRESSION_PATTERN, int, intOrPair, oneOfStrings } from '../../config/schema/fragments.js';
import { chain, OpError, type GraphOp } from '../op.js';
import { image, padding, padsAsSame, pair, positiveInt, windowOutput } from '../shape-rules.js';
import { nodeFields, weightFields } from './fields.js';
import type { FlatNode } from '../expand.js';
import type { BuildContext } from '../op.js';
import type * as tfjs from '@tensorflow/tfjs';

const description = '2-D convolution over NHWC images, as torch.nn.Conv2d (padding in pixels, or same/valid; groups, depthwise).';

export const conv: GraphOp = {
  name: 'conv',
  description,
  arity: 'one',
  schema: entry('op', 'conv', description, {
    ...nodeFields,
    filters: int('Output channels.', { minimum: 1 }),
    kernel: intOrPair('Kernel size in pixels: k or [height, width], e.g. [1, 7].', { minimum: 1 }),
    stride: intOrPair('Stride in pixels: s or [height, width].', { minimum: 1, default: 1 }),
    padding: {
      description: 'Zero padding: pixels on each side (p or [height, width]), or `same` / `valid`. Default 0, as PyTorch.',
      default: 0,
      anyOf: [{ type: 'string', enum: ['same', 'valid'] }, intOrPair('pixels', { minimum: 0 })],
    },
    dilation: intOrPair('Dilation in pixels.', { minimum: 1, default: 1 }),
    groups: {
      description:
        'Channel groups, as PyTorch: input and output channels split into this many groups, each output group convolving its input group only (weights: kernel * in/groups * filters). `depthwise`: as many groups as input channels (MobileNet). Both channel counts must be multiples of it. Default 1.',
      // No schema default: a filled `groups: 1` would change every existing conv's stage key.
      anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', enum: ['depthwise'] }, { type: 'string', pattern: EXPRESSION_PATTERN }],
    },
    bias: bool('Whether the conv has a bias.', true),
    activation: oneOfStrings('An activation fused after the conv.', ['none', 'relu', 'sigmoid', 'tanh'], 'none'),
    ...weightFields,
  }, ['filters', 'kernel']),

  infer(node, [input]) {
    const [h, w, c] = image(input, 'conv');
    const p = geometry(node.params);
    const [oh, ow] = windowOutput('conv', [h, w], p.kernel, p.stride, p.pad, p.dilation);
    const g = groupsOf(node.params.groups, c, p.filters);
    const weights = p.kernel[0] * p.kernel[1] * (c / g) * p.filters;
    return { shape: [oh, ow, p.filters], trainable: weights + (node.params.bias === false ? 0 : p.filters), macs: oh * ow * weights };
  },

  build({ tf, custom, name, inputs }, node) {
    const p = geometry(node.params);
    const groups = groupsOf(node.params.groups, inputs[0][2], p.filters);
    if (groups > 1) return grouped({ tf, custom, name }, node, p, groups);
    const activation = node.params.activation === 'none' || node.params.activation === undefined ? 'linear' : (node.params.activation as 'relu');
    const pads = p.pad.before.some((v) => v > 0) || p.pad.after.some((v) => v > 0);
    // Where TF's 'same' pads as PyTorch does (most 3x3 stride-1 convs), the conv pads as it reads;
    // else a padding layer makes the padded copy first.
    const same = pads && padsAsSame([inputs[0][0], inputs[0][1]], p.kernel, p.stride, p.dilation, p.pad);
    const conv2d = tf.layers.conv2d({
      name, filters: p.filters, kernelSize: [...p.kernel], strides: [...p.stride], dilationRate: [...p.dilation], padding: same ? 'same' : 'valid',
      useBias: node.params.bias !== false, activation, kernelInitializer: 'zeros', biasInitializer: 'zeros',
    });
    const layers = pads && !same ? [new custom.TorchPad2D({ name: `${name}/pad`, padding: [[p.pad.before[0], p.pad.after[0]], [p.pad.before[1], p.pad.after[1]]], value: 0 }), conv2d] : [conv2d];
    return { ...chain(...layers), weighted: conv2d };
  },
};

/** `groups` as a number, checked against the channels as PyTorch checks them. */
function groupsOf(value: unknown, channels: number, filters: number): number {
  const g = value === 'depthwise' ? channels : positiveInt(value ?? 1, 'groups');
  if (channels % g !== 0) throw new OpError(`groups ${g} does not divide the input's ${channels} channels`);
  if (filters % g !== 0) throw new OpError(`groups ${g} does not divide filters ${filters}`);
  return g;
}

/** A grouped or depthwise conv: tf.conv2d has no groups (layers/grouped-conv.ts). */
function grouped({ tf, custom, name }: Pick<BuildContext, 'tf' | 'custom' | 'name'>, node: FlatNode, p: ReturnType<typeof geometry>, groups: number) {
  const conv = new custom.TorchGroupedConv2D({
    name, filters: p.filters, groups, kernelSize: [...p.kernel], strides: [...p.stride], dilationRate: [...p.dilation], useBias: node.params.bias !== false,
  });
  const layers: tfjs.layers.Layer[] = [conv];
  const pads = p.pad.before.some((v) => v > 0) || p.pad.after.some((v) => v > 0);
  if (pads) layers.unshift(new custom.TorchPad2D({ name: `${name}/pad`, padding: [[p.pad.before[0], p.pad.after[0]], [p.pad.before[1], p.pad.after[1]]], value: 0 }));
  const activation = node.params.activation;
  if (activation !== undefined && activation !== 'none') layers.push(tf.layers.activation({ name: `${name}/${String(activation)}`, activation: activation as 'relu' }));
  return { ...chain(...layers), weighted: conv };
}

function geometry(params: Readonly<Record<string, unknown>>) {
  const kernel = pair(params.kernel, 'kernel', 1);
  const stride = pair(params.stride ?? 1, 'stride', 1);
  const dilation = pair(params.dilation ?? 1, 'dilation', 1);
  return { filters: positiveInt(params.filters, 'filters'), kernel, stride, dilation, pad: padding(params.padding ?? 0, kernel, dilation, stride) };
}
