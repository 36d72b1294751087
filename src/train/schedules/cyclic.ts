// CyclicLR (torch 1.13, cycle_momentum=False), stepped after every batch. With n the batches
// stepped so far and a cycle of up + down batches:
//   cycle = floor(1 + n / (up + down));  x = 1 + n / (up + down) - cycle   (position in the cycle, 0..1)
//   scale = x / r rising (x <= r = up / (up + down)), else (x - 1) / (r - 1) falling
//   lr = base_lr + (max_lr - base_lr) * scale * f,   f = 1 | 1 / 2^(cycle - 1) | gamma^n by mode
// It is a closed form: the lr does not depend on the group's, and base_lr replaces the optimiser's.
import { entry, oneOfStrings, plainInt, plainNumber } from '../../config/schema/fragments.js';
import { withDefaults } from '../optimizers/settings.js';
import { RuleScheduler, type ScheduleOp } from './schedule.js';

const description = 'Cyclical lr between base_lr and max_lr, stepped every batch, as CyclicLR (cycle_momentum off).';

interface CyclicSettings {
  readonly base_lr: number;
  readonly max_lr: number;
  readonly step_size_up: number;
  readonly step_size_down: number | null;
  readonly mode: 'triangular' | 'triangular2' | 'exp_range';
  readonly gamma: number;
}

export const cyclic: ScheduleOp = {
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
  create(config, { group }) {
    const s = withDefaults<CyclicSettings>(cyclic, config);
    const total = s.step_size_up + (s.step_size_down ?? s.step_size_up);
    const ratio = s.step_size_up / total;
    const amplitude = (cycle: number, n: number) => (s.mode === 'triangular' ? 1 : s.mode === 'triangular2' ? 1 / 2 ** (cycle - 1) : s.gamma ** n);
    group.lr = s.base_lr;
    return new RuleScheduler(group, {
      next(n) {
        const cycle = Math.floor(1 + n / total);
        const x = 1 + n / total - cycle;
        const scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
        return s.base_lr + (s.max_lr - s.base_lr) * scale * amplitude(cycle, n);
      },
    }, 'batch');
  },
};
