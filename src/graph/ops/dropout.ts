import { entry } from '../../config/schema/fragments.js';
import { chain, type GraphOp } from '../op.js';
import { nodeFields } from './fields.js';

const description = 'Zeroes each element with probability p while training and scales the rest by 1 / (1 - p).';

export const dropout: GraphOp = {
  name: 'dropout',
  description,
  arity: 'one',
  schema: entry('op', 'dropout', description, {
    ...nodeFields,
    p: { description: 'Probability of zeroing an element.', type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.5 },
  }),
  infer: (_node, [input]) => ({ shape: input, trainable: 0, macs: 0 }),
  build: ({ custom, name, seed }, node) => chain(new custom.SeededDropout({ name, rate: Number(node.params.p ?? 0.5), seed: seed(name) })),
};
