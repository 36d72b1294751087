import { entry, oneOfStrings, plainInt, plainNumber, type SchemaEntry } from '../../config/schema/fragments.js';

const description = 'Multiply the lr by factor when a metric stops improving, as ReduceLROnPlateau (checked after each epoch).';

export const METRICS = ['val_loss', 'val_top1', 'val_top5', 'train_loss', 'train_top1'] as const;

export const reduceOnPlateau: SchemaEntry = {
  name: 'reduce_on_plateau',
  description,
  schema: entry('type', 'reduce_on_plateau', description, {
    monitor: oneOfStrings('The metric watched.', METRICS, 'val_loss'),
    mode: oneOfStrings('min: lower is better; max: higher is better.', ['min', 'max'], 'min'),
    factor: plainNumber('lr *= factor on a plateau.', { exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.1 }),
    patience: plainInt('Epochs without improvement before reducing.', { minimum: 0, default: 10 }),
    threshold: plainNumber('Smallest change that counts as an improvement.', { minimum: 0, default: 1e-4 }),
    threshold_mode: oneOfStrings('rel: relative to the best; abs: absolute.', ['rel', 'abs'], 'rel'),
    cooldown: plainInt('Epochs to wait after a reduction before counting again.', { minimum: 0, default: 0 }),
    min_lr: plainNumber('The lr never goes below this.', { minimum: 0, default: 0 }),
    eps: plainNumber('Reductions smaller than this are skipped.', { minimum: 0, default: 1e-8 }),
  }),
};
