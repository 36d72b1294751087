import { entry, int, oneOfStrings, type SchemaEntry } from '../../config/schema/fragments.js';
import { nodeFields } from './fields.js';

const description = 'Enlarges height and width by an integer factor, as torch.nn.Upsample.';

export const upsample: SchemaEntry = {
  name: 'upsample',
  description,
  schema: entry('op', 'upsample', description, {
    ...nodeFields,
    scale_factor: int('Factor for height and width.', { minimum: 1, default: 2 }),
    mode: oneOfStrings('Interpolation.', ['nearest', 'bilinear'], 'nearest'),
  }),
};
