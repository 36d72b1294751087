import { entry, type SchemaEntry } from '../../config/schema/fragments.js';
import { nodeFields } from './fields.js';

const description = 'Zeroes each element with probability p while training and scales the rest by 1 / (1 - p).';

export const dropout: SchemaEntry = {
  name: 'dropout',
  description,
  schema: entry('op', 'dropout', description, {
    ...nodeFields,
    p: { description: 'Probability of zeroing an element.', type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.5 },
  }),
};
