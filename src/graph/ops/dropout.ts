import { entry, num } from '../../config/schema/fragments.js';
import { chain, OpError, type GraphOp } from '../op.js';
import { nodeFields } from './fields.js';

const description = 'Zeroes each element with probability p while training and scales the rest by 1 / (1 - p).';

export const dropout: GraphOp = {
  name: 'dropout',
  description,
  arity: 'one',
  schema: entry('op', 'dropout', description, {
    ...nodeFields,
    p: num('Probability of zeroing an element.', { minimum: 0, exclusiveMaximum: 1, default: 0.5 }),
  }),
  infer(node, [input]) {
    const p = node.params.p ?? 0.5;
    if (typeof p !== 'number' || p < 0 || p >= 1) throw new OpError(`p must be a probability in [0, 1), found ${JSON.stringify(p)}`);
    return { shape: input, trainable: 0, macs: 0 };
  },
  build: ({ custom, name, seed }, node) => chain(new custom.SeededDropout({ name, rate: Number(node.params.p ?? 0.5), seed: seed(name) })),
};
