import { bool, entry, int, intOrPair, oneOfStrings } from '../../config/schema/fragments.js';
import { chain, type GraphOp } from '../op.js';
import { image, padding, pair, positiveInt, windowOutput } from '../shape-rules.js';
import { nodeFields, weightFields } from './fields.js';

const description = '2-D convolution over NHWC images, as torch.nn.Conv2d (padding in pixels, or same/valid).';

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
    bias: bool('Whether the conv has a bias.', true),
    activation: oneOfStrings('An activation fused after the conv.', ['none', 'relu', 'sigmoid', 'tanh'], 'none'),
    ...weightFields,
  }, ['filters', 'kernel']),

  infer(node, [input]) {
    const [h, w, c] = image(input, 'conv');
    const p = geometry(node.params);
    const [oh, ow] = windowOutput('conv', [h, w], p.kernel, p.stride, p.pad, p.dilation);
    const weights = p.kernel[0] * p.kernel[1] * c * p.filters;
    return { shape: [oh, ow, p.filters], trainable: weights + (node.params.bias === false ? 0 : p.filters), macs: oh * ow * weights };
  },

  build({ tf, custom, name }, node) {
    const p = geometry(node.params);
    const activation = node.params.activation === 'none' || node.params.activation === undefined ? 'linear' : (node.params.activation as 'relu');
    const conv2d = tf.layers.conv2d({
      name, filters: p.filters, kernelSize: [...p.kernel], strides: [...p.stride], dilationRate: [...p.dilation], padding: 'valid',
      useBias: node.params.bias !== false, activation, kernelInitializer: 'zeros', biasInitializer: 'zeros',
    });
    const pads = p.pad.before.some((v) => v > 0) || p.pad.after.some((v) => v > 0);
    const layers = pads ? [new custom.TorchPad2D({ name: `${name}/pad`, padding: [[p.pad.before[0], p.pad.after[0]], [p.pad.before[1], p.pad.after[1]]], value: 0 }), conv2d] : [conv2d];
    return { ...chain(...layers), weighted: conv2d };
  },
};

function geometry(params: Readonly<Record<string, unknown>>) {
  const kernel = pair(params.kernel, 'kernel', 1);
  const stride = pair(params.stride ?? 1, 'stride', 1);
  const dilation = pair(params.dilation ?? 1, 'dilation', 1);
  return { filters: positiveInt(params.filters, 'filters'), kernel, stride, dilation, pad: padding(params.padding ?? 0, kernel, dilation, stride) };
}
