import { entry, intOrPair, bool, type SchemaEntry } from '../../config/schema/fragments.js';
import { nodeFields } from './fields.js';

function pool(name: string, description: string): SchemaEntry {
  return {
    name,
    description,
    schema: entry('op', name, description, {
      ...nodeFields,
      kernel: intOrPair('Window size in pixels.', { minimum: 1 }),
      stride: intOrPair('Stride in pixels. Default: the kernel size, as PyTorch.', { minimum: 1 }),
      padding: intOrPair('Padding in pixels on each side.', { minimum: 0, default: 0 }),
      ceil_mode: bool('Round the output size up instead of down, as PyTorch.', false),
    }, ['kernel']),
  };
}

export const maxpool = pool('maxpool', 'Max pooling, as torch.nn.MaxPool2d.');
export const avgpool = pool('avgpool', 'Average pooling, as torch.nn.AvgPool2d (padding counted in the average).');
