import { bool, entry, int, intOrPair, type SchemaEntry } from '../../config/schema/fragments.js';
import { nodeFields, weightFields } from './fields.js';

const description = '2-D transposed convolution, as torch.nn.ConvTranspose2d: out = (in - 1) * stride - 2 * padding + kernel + output_padding.';

export const convTranspose: SchemaEntry = {
  name: 'conv_transpose',
  description,
  schema: entry('op', 'conv_transpose', description, {
    ...nodeFields,
    filters: int('Output channels.', { minimum: 1 }),
    kernel: intOrPair('Kernel size in pixels.', { minimum: 1 }),
    stride: intOrPair('Stride in pixels.', { minimum: 1, default: 1 }),
    padding: intOrPair('Pixels removed from each side of the output, as PyTorch.', { minimum: 0, default: 0 }),
    output_padding: intOrPair('Pixels added to one side of the output.', { minimum: 0, default: 0 }),
    bias: bool('Whether the layer has a bias.', true),
    ...weightFields,
  }, ['filters', 'kernel']),
};
