import { bool, entry, int, oneOfStrings, type SchemaEntry } from '../../config/schema/fragments.js';
import { nodeFields, weightFields } from './fields.js';

const description = 'Fully connected layer, as torch.nn.Linear, on a flat input.';

export const dense: SchemaEntry = {
  name: 'dense',
  description,
  schema: entry('op', 'dense', description, {
    ...nodeFields,
    units: int('Output features.', { minimum: 1 }),
    bias: bool('Whether the layer has a bias.', true),
    activation: oneOfStrings('An activation fused after the layer.', ['none', 'relu', 'sigmoid', 'tanh', 'softmax'], 'none'),
    ...weightFields,
  }, ['units']),
};
