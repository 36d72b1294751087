// Schedules that PyTorch steps once per epoch: constant, step, multistep, exponential, cosine, linear.
import { entry, plainInt, plainNumber, type SchemaEntry } from '../../config/schema/fragments.js';

function schedule(name: string, description: string, properties: Record<string, unknown>, required: string[] = []): SchemaEntry {
  return { name, description, schema: entry('type', name, description, properties as never, required) };
}

const gamma = (dflt?: number) => plainNumber('Multiplicative factor of the lr.', { exclusiveMinimum: 0, ...(dflt === undefined ? {} : { default: dflt }) });

export const constant = schedule('constant', 'The optimiser\'s lr throughout.', {});

export const step = schedule('step', 'lr *= gamma every step_size epochs, as StepLR.', {
  step_size: plainInt('Epochs between decays.', { minimum: 1 }),
  gamma: gamma(0.1),
}, ['step_size']);

export const multistep = schedule('multistep', 'lr *= gamma at each milestone epoch, as MultiStepLR.', {
  milestones: { description: 'Epochs (increasing) at which to decay.', type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 },
  gamma: gamma(0.1),
}, ['milestones']);

export const exponential = schedule('exponential', 'lr *= gamma every epoch, as ExponentialLR.', { gamma: gamma() }, ['gamma']);

export const cosine = schedule('cosine', 'Cosine annealing from lr to eta_min over T_max epochs, as CosineAnnealingLR.', {
  T_max: plainInt('Half-period in epochs.', { minimum: 1 }),
  eta_min: plainNumber('Lowest lr.', { minimum: 0, default: 0 }),
}, ['T_max']);

export const linear = schedule('linear', 'Linear change of the lr factor from start_factor to end_factor over total_iters epochs, as LinearLR (a warmup).', {
  start_factor: plainNumber('Factor of the lr at epoch 0.', { exclusiveMinimum: 0, maximum: 1, default: 1 / 3 }),
  end_factor: plainNumber('Factor reached after total_iters epochs.', { minimum: 0, maximum: 1, default: 1 }),
  total_iters: plainInt('Epochs to go from start to end.', { minimum: 1, default: 5 }),
});
