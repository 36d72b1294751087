import { entry, oneOfStrings, plainInt, plainNumber, type SchemaEntry } from '../../config/schema/fragments.js';

const description = 'Cyclical lr between base_lr and max_lr, stepped every batch, as CyclicLR (cycle_momentum off).';

export const cyclic: SchemaEntry = {
  name: 'cyclic',
  description,
  schema: entry('type', 'cyclic', description, {
    base_lr: plainNumber('Lower bound of the cycle (replaces the optimiser\'s lr).', { exclusiveMinimum: 0 }),
    max_lr: plainNumber('Upper bound of the first cycle.', { exclusiveMinimum: 0 }),
    step_size_up: plainInt('Batches in the rising half of a cycle.', { minimum: 1, default: 2000 }),
    step_size_down: { description: 'Batches in the falling half. Default: step_size_up.', anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }], default: null },
    mode: oneOfStrings('triangular: constant amplitude; triangular2: amplitude halves every cycle; exp_range: scaled by gamma**iteration.', ['triangular', 'triangular2', 'exp_range'], 'triangular'),
    gamma: plainNumber('Factor of exp_range.', { exclusiveMinimum: 0, default: 1 }),
  }, ['base_lr', 'max_lr']),
};
