// Learning-rate schedules with PyTorch's semantics. The training loop asks lr() before every
// optimiser step, calls afterBatch() after it and afterEpoch(metrics) after each evaluation, as
// torch's loop calls scheduler.step(); planLr runs the same object over a stage for `pipe schedule`.
import type { ScheduleConfig } from '../../config/types.js';
import { inputError } from '../../errors.js';
import { monitoredMetric } from './plateau.js';
import { schedules } from './registry.js';
import type { LrGroup, Metrics, Scheduler, SchedulerState } from './schedule.js';

export { schedules } from './registry.js';
export { monitoredMetric } from './plateau.js';
export type { Metrics, SchedulerState } from './schedule.js';

export interface ScheduleContext {
  /** The optimiser's lr (cyclic replaces it with its base_lr, as torch does). */
  readonly baseLr: number;
  /** Optimiser steps per epoch (for plans; the schedule itself is told of each step). */
  readonly stepsPerEpoch: number;
  /** Dotted path of the schedule in the pipeline, for messages; default `schedule`. */
  readonly where?: string;
}

/** What a checkpoint stores to resume the schedule: plain JSON. */
export interface ScheduleState {
  readonly type: string;
  readonly lr: number;
  readonly initial_lr: number | null;
  readonly scheduler: SchedulerState;
}

export interface LrSchedule {
  /** epoch: moves in afterEpoch; batch: moves in afterBatch (cyclic). */
  readonly cadence: 'epoch' | 'batch';
  /** The lr for the next optimiser step. */
  lr(): number;
  /** After every optimiser step. */
  afterBatch(): void;
  /** After every epoch's evaluation; reduce_on_plateau reads its monitored metric here. */
  afterEpoch(metrics: Metrics): void;
  state(): ScheduleState;
  load(state: ScheduleState): void;
}

export function createSchedule(config: ScheduleConfig, ctx: ScheduleContext): LrSchedule {
  const where = ctx.where ?? 'schedule';
  if (!(ctx.baseLr > 0)) throw inputError(`the optimizer's lr must be > 0, got ${ctx.baseLr}`, { path: where });
  const group: LrGroup = { lr: ctx.baseLr, initialLr: null };
  const build = (c: ScheduleConfig, at: string): Scheduler => {
    const op = schedules.find((s) => s.name === c.type);
    if (!op) throw inputError(`unknown schedule '${String(c.type)}' (known: ${schedules.map((s) => s.name).join(', ')})`, { path: `${at}.type` });
    return op.create(c, { group, where: at, build });
  };
  const scheduler = build(config, where);
  return {
    cadence: scheduler.cadence,
    lr: () => group.lr,
    afterBatch() {
      if (scheduler.cadence === 'batch') scheduler.step({});
    },
    afterEpoch(metrics) {
      if (scheduler.cadence === 'epoch') scheduler.step(metrics);
    },
    state: () => ({ type: config.type, lr: group.lr, initial_lr: group.initialLr, scheduler: scheduler.state() }),
    load(state) {
      if (state.type !== config.type) throw inputError(`saved schedule state is for ${state.type}, but this stage's schedule is ${config.type}`, { path: where });
      if (typeof state.lr !== 'number') throw inputError(`saved schedule state: lr must be a number, got ${JSON.stringify(state.lr)}`, { path: where });
      scheduler.load(state.scheduler, where);
      group.lr = state.lr;
      group.initialLr = state.initial_lr;
    },
  };
}

export interface PlanOptions extends ScheduleContext {
  readonly epochs: number;
  /** reduce_on_plateau: its monitored metric after each epoch (one per epoch but the last). */
  readonly metrics?: readonly number[];
  /** Also list the lr of every step (always for cyclic). */
  readonly perStep?: boolean;
}

export interface LrPlan {
  /** The lr of each epoch's first step. */
  readonly perEpoch: readonly number[];
  /** The lr of every step, epoch after epoch; null unless asked for or cyclic. */
  readonly perStep: readonly number[] | null;
}

/** The lrs a stage will train with: the live schedule driven as the training loop drives it. */
export function planLr(config: ScheduleConfig, opts: PlanOptions): LrPlan {
  const where = opts.where ?? 'schedule';
  const monitor = monitoredMetric(config);
  const metrics = opts.metrics ?? [];
  if (monitor !== null && metrics.length < opts.epochs - 1) {
    throw inputError(`reduce_on_plateau follows ${monitor}: planning ${opts.epochs} epochs needs its value after each epoch but the last (${opts.epochs - 1}), got ${metrics.length}`, { path: where });
  }
  const schedule = createSchedule(config, opts);
  const stepwise = opts.perStep === true || schedule.cadence === 'batch';
  if (stepwise && !(Number.isInteger(opts.stepsPerEpoch) && opts.stepsPerEpoch >= 1)) {
    throw inputError(`steps per epoch must be a whole number >= 1, got ${opts.stepsPerEpoch}`, { path: where });
  }
  const perEpoch: number[] = [];
  const perStep: number[] = [];
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    perEpoch.push(schedule.lr());
    for (let s = 0; stepwise && s < opts.stepsPerEpoch; s++) {
      perStep.push(schedule.lr());
      schedule.afterBatch();
    }
    if (epoch < opts.epochs - 1) schedule.afterEpoch(monitor === null ? {} : { [monitor]: metrics[epoch] });
  }
  return { perEpoch, perStep: stepwise ? perStep : null };
}
