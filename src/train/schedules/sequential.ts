import { entry, type SchemaEntry } from '../../config/schema/fragments.js';

const description = 'Schedules one after another, switching at the milestone epochs, as SequentialLR (e.g. linear warmup, then cosine).';

export const sequential: SchemaEntry = {
  name: 'sequential',
  description,
  schema: entry('type', 'sequential', description, {
    schedules: { description: 'The schedules in order.', type: 'array', items: { $ref: '#/$defs/schedule' }, minItems: 2 },
    milestones: { description: 'Epochs at which to switch to the next schedule: one fewer than schedules.', type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 },
  }, ['schedules', 'milestones']),
};
