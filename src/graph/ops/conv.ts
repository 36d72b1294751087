import { bool, entry, int, intOrPair, oneOfStrings, type SchemaEntry } from '../../config/schema/fragments.js';
import { nodeFields, weightFields } from './fields.js';

const description = '2-D convolution over NHWC images, as torch.nn.Conv2d (padding in pixels, or same/valid).';

export const conv: SchemaEntry = {
  name: 'conv',
  description,
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
};
