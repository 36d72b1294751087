import { bool, entry, plainNumber, type SchemaEntry } from '../../config/schema/fragments.js';
import { learningRate, weightDecay } from './fields.js';

const description = 'RMSprop, as torch.optim.RMSprop: eps is added outside the square root (tfjs puts it inside).';

export const rmsprop: SchemaEntry = {
  name: 'rmsprop',
  description,
  schema: entry('type', 'rmsprop', description, {
    lr: learningRate(1e-2),
    alpha: plainNumber('Smoothing constant of the squared-gradient average.', { minimum: 0, maximum: 1, default: 0.99 }),
    eps: plainNumber('Added to the denominator.', { exclusiveMinimum: 0, default: 1e-8 }),
    weight_decay: weightDecay('L2 penalty added to the gradient.'),
    momentum: plainNumber('Momentum factor.', { minimum: 0, default: 0 }),
    centered: bool('Normalise by the estimated variance of the gradient.', false),
  }),
};
