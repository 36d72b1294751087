import { bool, entry, plainNumber, type SchemaEntry } from '../../config/schema/fragments.js';
import { betas, learningRate, weightDecay } from './fields.js';

const adamDescription = 'Adam, as torch.optim.Adam (weight decay is L2 added to the gradient).';
const adamwDescription = 'AdamW, as torch.optim.AdamW (decoupled weight decay: w -= lr * weight_decay * w).';

function adamLike(name: 'adam' | 'adamw', description: string, decay: number): SchemaEntry {
  return {
    name,
    description,
    schema: entry('type', name, description, {
      lr: learningRate(1e-3),
      betas: betas(),
      eps: plainNumber('Added to the denominator, outside the square root.', { exclusiveMinimum: 0, default: 1e-8 }),
      weight_decay: weightDecay(name === 'adam' ? 'L2 penalty added to the gradient.' : 'Decoupled weight decay factor.', decay),
      amsgrad: bool('Use the maximum of past second moments (AMSGrad).', false),
    }),
  };
}

export const adam = adamLike('adam', adamDescription, 0);
export const adamw = adamLike('adamw', adamwDescription, 1e-2);
