import { bool, entry, plainNumber, type SchemaEntry } from '../../config/schema/fragments.js';
import { learningRate, weightDecay } from './fields.js';

const description = 'Stochastic gradient descent with momentum, as torch.optim.SGD (weight decay is L2 added to the gradient).';

export const sgd: SchemaEntry = {
  name: 'sgd',
  description,
  schema: entry('type', 'sgd', description, {
    lr: learningRate(),
    momentum: plainNumber('Momentum factor.', { minimum: 0, default: 0 }),
    dampening: plainNumber('Dampening for momentum.', { minimum: 0, default: 0 }),
    nesterov: bool('Nesterov momentum (needs momentum > 0 and dampening 0).', false),
    weight_decay: weightDecay('L2 penalty added to the gradient: g += weight_decay * w.'),
  }, ['lr']),
};
