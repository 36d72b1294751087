import { entry, type SchemaEntry } from '../../config/schema/fragments.js';

const description = 'An explicit table epoch -> lr, as a researcher lowering it by hand: from each listed epoch on, that lr.';

export const manual: SchemaEntry = {
  name: 'manual',
  description,
  schema: entry('type', 'manual', description, {
    lr_at: {
      description: 'Map from epoch (0-based, as a string key) to the lr used from that epoch on, e.g. {20: 0.01, 30: 0.001}.',
      type: 'object',
      propertyNames: { pattern: '^[0-9]+$' },
      additionalProperties: { type: 'number', exclusiveMinimum: 0 },
      minProperties: 1,
    },
  }, ['lr_at']),
};
