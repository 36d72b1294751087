// SequentialLR (torch 1.13): children built in order on the same lr (each one's initial step
// rewrites it, as in torch), then the lr is reset to the optimiser's, every child's last_epoch is
// taken back by one and the first child steps again. At epoch m_i the next child takes over with
// step(0) (its closed form at epoch 0: e.g. cosine restarts from the optimiser's lr), then steps
// on with its chainable form from there.
import { entry } from '../../config/schema/fragments.js';
import type { ScheduleConfig } from '../../config/types.js';
import { inputError } from '../../errors.js';
import { integerField, RuleScheduler, type LrGroup, type ScheduleOp, type Scheduler, type SchedulerState } from './schedule.js';

const description = 'Schedules one after another, switching at the milestone epochs, as SequentialLR (e.g. linear warmup, then cosine).';

export const sequential: ScheduleOp = {
  name: 'sequential',
  description,
  schema: entry('type', 'sequential', description, {
    schedules: { description: 'The schedules in order.', type: 'array', items: { $ref: '#/$defs/schedule' }, minItems: 2 },
    milestones: { description: 'Epochs at which to switch to the next schedule: one fewer than schedules.', type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 },
  }, ['schedules', 'milestones']),
  create(config, { group, where, build }) {
    const schedules = config.schedules as readonly ScheduleConfig[];
    const milestones = config.milestones as readonly number[];
    if (milestones.length !== schedules.length - 1) {
      throw inputError(`sequential needs one milestone fewer than schedules (${schedules.length} schedules, ${milestones.length} milestones)`, { path: `${where}.milestones` });
    }
    if (milestones.some((m, i) => i > 0 && m <= milestones[i - 1])) throw inputError('milestones must increase', { path: `${where}.milestones` });
    const children = schedules.map((child, i) => {
      const at = `${where}.schedules.${i}`;
      const built = build(child, at);
      if (!(built instanceof RuleScheduler) || built.cadence !== 'epoch') {
        throw inputError(`a sequential schedule can hold only epoch schedules (constant, step, multistep, exponential, cosine, linear, manual), not ${child.type}`, {
          path: `${at}.type`,
          hint: child.type === 'cyclic' ? 'cyclic steps every batch' : child.type === 'reduce_on_plateau' ? 'reduce_on_plateau follows a metric, not epochs (torch\'s SequentialLR cannot hold it either)' : undefined,
        });
      }
      return built;
    });
    return new Sequential(group, children, milestones);
  },
};

class Sequential implements Scheduler {
  readonly cadence = 'epoch';
  private lastEpoch = 0;

  constructor(
    private readonly group: LrGroup,
    private readonly children: readonly RuleScheduler[],
    private readonly milestones: readonly number[],
  ) {
    group.lr = group.initialLr as number;
    for (const c of children) c.lastEpoch -= 1;
    children[0].initialStep();
  }

  step(): void {
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) this.children[idx].stepTo(0);
    else this.children[idx].step();
  }

  state(): SchedulerState {
    return { last_epoch: this.lastEpoch, schedules: this.children.map((c) => c.state()) };
  }

  load(state: SchedulerState, where: string): void {
    const saved = state.schedules;
    if (!Array.isArray(saved) || saved.length !== this.children.length) {
      throw inputError(`saved schedule state holds ${Array.isArray(saved) ? saved.length : 'no'} schedules, this one ${this.children.length}`, { path: where });
    }
    this.lastEpoch = integerField(state, 'last_epoch', where);
    this.children.forEach((c, i) => c.load(saved[i] as SchedulerState, `${where}.schedules.${i}`));
  }
}
