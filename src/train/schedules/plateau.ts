// ReduceLROnPlateau (torch 1.13), stepped once per epoch with the monitored metric:
//   better: a < best * (1 - threshold) | a < best - threshold | a > best * (1 + threshold) | a > best + threshold
//   a better epoch resets the bad-epoch count; during cooldown the count stays 0;
//   more than `patience` bad epochs: lr = max(lr * factor, min_lr) unless that changes it by <= eps,
//   then cooldown starts and the count resets.
import { entry, oneOfStrings, plainInt, plainNumber } from '../../config/schema/fragments.js';
import type { Metric } from '../../config/types.js';
import { JobError } from '../../errors.js';
import { withDefaults } from '../optimizers/settings.js';
import { integerField, type LrGroup, type Metrics, type ScheduleOp, type Scheduler, type SchedulerState } from './schedule.js';

const description = 'Multiply the lr by factor when a metric stops improving, as ReduceLROnPlateau (checked after each epoch).';

export const METRICS = ['val_loss', 'val_top1', 'val_top5', 'train_loss', 'train_top1'] as const;

interface PlateauSettings {
  readonly monitor: Metric;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly threshold_mode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly min_lr: number;
  readonly eps: number;
}

export const reduceOnPlateau: ScheduleOp = {
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
  create: (config, { group }) => new Plateau(group, withDefaults<PlateauSettings>(reduceOnPlateau, config)),
};

/** The metric a reduce_on_plateau schedule watches (its default filled), or null for other schedules. */
export function monitoredMetric(config: { readonly type: string; readonly monitor?: unknown }): Metric | null {
  return config.type === 'reduce_on_plateau' ? withDefaults<PlateauSettings>(reduceOnPlateau, config).monitor : null;
}

class Plateau implements Scheduler {
  readonly cadence = 'epoch';
  private lastEpoch = 0;
  /** The mode's worst value (torch's mode_worse) until a first metric arrives. */
  private best: number;
  private badEpochs = 0;
  private cooldownLeft = 0;

  constructor(
    private readonly group: LrGroup,
    private readonly s: PlateauSettings,
  ) {
    this.best = this.worst();
  }

  step(metrics: Metrics): void {
    const current = metrics[this.s.monitor];
    if (current === undefined) {
      throw new JobError(`reduce_on_plateau watches ${this.s.monitor}, which this stage does not measure`, 'monitor a metric the stage reports (val_* needs val data)');
    }
    this.lastEpoch += 1;
    if (this.isBetter(current)) {
      this.best = current;
      this.badEpochs = 0;
    } else {
      this.badEpochs += 1;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.s.patience) {
      const lr = Math.max(this.group.lr * this.s.factor, this.s.min_lr);
      if (this.group.lr - lr > this.s.eps) this.group.lr = lr;
      this.cooldownLeft = this.s.cooldown;
      this.badEpochs = 0;
    }
  }

  private isBetter(a: number): boolean {
    const { mode, threshold, threshold_mode: relOrAbs } = this.s;
    if (mode === 'min') return relOrAbs === 'rel' ? a < this.best * (1 - threshold) : a < this.best - threshold;
    return relOrAbs === 'rel' ? a > this.best * (threshold + 1) : a > this.best + threshold;
  }

  private worst(): number {
    return this.s.mode === 'min' ? Infinity : -Infinity;
  }

  // JSON has no Infinity: a best still at the mode's worst value is saved as null.
  state(): SchedulerState {
    return { last_epoch: this.lastEpoch, best: Number.isFinite(this.best) ? this.best : null, num_bad_epochs: this.badEpochs, cooldown_counter: this.cooldownLeft };
  }

  load(state: SchedulerState, where: string): void {
    this.lastEpoch = integerField(state, 'last_epoch', where);
    this.badEpochs = integerField(state, 'num_bad_epochs', where);
    this.cooldownLeft = integerField(state, 'cooldown_counter', where);
    this.best = typeof state.best === 'number' ? state.best : this.worst();
  }
}
