// Schedules that PyTorch steps once per epoch: constant, step, multistep, exponential, cosine,
// linear. Each states torch 1.13's get_lr (chainable: from the lr now in the group) and its
// closed form, in the same float operations as torch so the lrs agree to the last bits.
import { entry, plainInt, plainNumber, type JsonSchema } from '../../config/schema/fragments.js';
import type { ScheduleConfig } from '../../config/types.js';
import { withDefaults } from '../optimizers/settings.js';
import { RuleScheduler, type LrRule, type ScheduleOp } from './schedule.js';

function schedule<T>(name: string, description: string, properties: Record<string, JsonSchema>, required: string[], rule: (s: T) => LrRule): ScheduleOp {
  const op: ScheduleOp = {
    name,
    description,
    schema: entry('type', name, description, properties, required),
    create: (config: ScheduleConfig, ctx) => new RuleScheduler(ctx.group, rule(withDefaults<T>(op, config))),
  };
  return op;
}

const gamma = (dflt?: number) => plainNumber('Multiplicative factor of the lr.', { exclusiveMinimum: 0, ...(dflt === undefined ? {} : { default: dflt }) });

/** The optimiser's lr throughout; after a sequential milestone, the optimiser's lr again (torch: LambdaLR(lambda e: 1)). */
export const constant = schedule('constant', 'The optimiser\'s lr throughout.', {}, [], () => ({
  next: (_e, _lr, base) => base,
}));

export const step = schedule<{ step_size: number; gamma: number }>('step', 'lr *= gamma every step_size epochs, as StepLR.', {
  step_size: plainInt('Epochs between decays.', { minimum: 1 }),
  gamma: gamma(0.1),
}, ['step_size'], (s) => ({
  next: (e, lr) => (e === 0 || e % s.step_size !== 0 ? lr : lr * s.gamma),
  closedForm: (e, base) => base * s.gamma ** Math.floor(e / s.step_size),
}));

export const multistep = schedule<{ milestones: readonly number[]; gamma: number }>('multistep', 'lr *= gamma at each milestone epoch, as MultiStepLR.', {
  milestones: { description: 'Epochs at which to decay, in any order; one listed n times decays by gamma**n (MultiStepLR keeps a Counter).', type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 },
  gamma: gamma(0.1),
}, ['milestones'], (s) => {
  // torch keeps a Counter: a milestone listed twice decays by gamma**2.
  const count = (e: number) => s.milestones.filter((m) => m === e).length;
  return {
    next: (e, lr) => (count(e) === 0 ? lr : lr * s.gamma ** count(e)),
    closedForm: (e, base) => base * s.gamma ** s.milestones.filter((m) => m <= e).length,
  };
});

export const exponential = schedule<{ gamma: number }>('exponential', 'lr *= gamma every epoch, as ExponentialLR.', { gamma: gamma() }, ['gamma'], (s) => ({
  next: (e, lr) => (e === 0 ? lr : lr * s.gamma),
  closedForm: (e, base) => base * s.gamma ** e,
}));

// Chainable cosine: eta_e - eta_min = (1 + cos(pi e / T)) / 2 * (base - eta_min), so each step
// multiplies (lr - eta_min) by the ratio of consecutive (1 + cos) terms. That ratio is 0/0 one past
// each trough (e - 1 = T, 3T, ...), where torch adds the rise of the first step instead. Past
// T_max the lr rises again: torch's curve is periodic, not clamped.
export const cosine = schedule<{ T_max: number; eta_min: number }>('cosine', 'Cosine annealing from lr to eta_min over T_max epochs, as CosineAnnealingLR.', {
  T_max: plainInt('Half-period in epochs.', { minimum: 1 }),
  eta_min: plainNumber('Lowest lr.', { minimum: 0, default: 0 }),
}, ['T_max'], ({ T_max: T, eta_min: etaMin }) => ({
  next(e, lr, base) {
    if (e === 0) return lr;
    if ((e - 1 - T) % (2 * T) === 0) return lr + ((base - etaMin) * (1 - Math.cos(Math.PI / T))) / 2;
    return ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - etaMin) + etaMin;
  },
  closedForm: (e, base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * e) / T))) / 2,
}));

// Chainable linear: the factor goes start + k * (end - start) / n, so step k multiplies the lr by
// factor_k / factor_(k-1) = 1 + (end - start) / (n * start + (k - 1) * (end - start)).
export const linear = schedule<{ start_factor: number; end_factor: number; total_iters: number }>('linear', 'Linear change of the lr factor from start_factor to end_factor over total_iters epochs, as LinearLR (a warmup).', {
  start_factor: plainNumber('Factor of the lr at epoch 0.', { exclusiveMinimum: 0, maximum: 1, default: 1 / 3 }),
  end_factor: plainNumber('Factor reached after total_iters epochs.', { minimum: 0, maximum: 1, default: 1 }),
  total_iters: plainInt('Epochs to go from start to end.', { minimum: 1, default: 5 }),
}, [], ({ start_factor: start, end_factor: end, total_iters: n }) => ({
  next(e, lr) {
    if (e === 0) return lr * start;
    if (e > n) return lr;
    return lr * (1 + (end - start) / (n * start + (e - 1) * (end - start)));
  },
  closedForm: (e, base) => base * (start + ((end - start) * Math.min(n, e)) / n),
}));
