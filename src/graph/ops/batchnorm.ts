import { bool, entry, num, type SchemaEntry } from '../../config/schema/fragments.js';
import { nodeFields } from './fields.js';

const description = 'Batch normalisation over channels, as torch.nn.BatchNorm2d (or BatchNorm1d after dense).';

export const batchnorm: SchemaEntry = {
  name: 'batchnorm',
  description,
  schema: entry('op', 'batchnorm', description, {
    ...nodeFields,
    momentum: num('PyTorch momentum of the running statistics: running = (1 - m) * running + m * batch.', { minimum: 0, maximum: 1, default: 0.1 }),
    eps: num('Added to the variance before the square root.', { exclusiveMinimum: 0, default: 1e-5 }),
    affine: bool('Learn gamma and beta.', true),
  }),
};
