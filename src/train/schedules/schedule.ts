// The contract every lr schedule fulfils, and a port of torch's _LRScheduler machinery so each
// schedule only states its get_lr (torch 1.13's chainable form) and closed form.
//
// torch keeps the lr in the optimiser's param group and every scheduler reads and rewrites it
// there: chainable forms multiply the lr now in the group, SequentialLR hands one group from
// scheduler to scheduler. LrGroup is that group; results match torch to the last bits because the
// same float operations run in the same order.
import type { SchemaEntry } from '../../config/schema/fragments.js';
import type { Metric, ScheduleConfig } from '../../config/types.js';
import { inputError } from '../../errors.js';

export type Metrics = Partial<Record<Metric, number>>;

/** torch's optimizer.param_groups[0], as far as the lr goes. */
export interface LrGroup {
  lr: number;
  /** Set by the first scheduler built on the group (torch's setdefault('initial_lr', lr)). */
  initialLr: number | null;
}

/** A scheduler's own counters, plain JSON. */
export type SchedulerState = { readonly [key: string]: number | null | readonly SchedulerState[] };

/** One torch scheduler bound to a group. */
export interface Scheduler {
  /** epoch: step() after every epoch; batch: after every optimiser step (CyclicLR). */
  readonly cadence: 'epoch' | 'batch';
  /** torch's scheduler.step(); reduce_on_plateau reads its metric from `metrics`. */
  step(metrics: Metrics): void;
  state(): SchedulerState;
  load(state: SchedulerState, where: string): void;
}

/** What a schedule contributes to torch's _LRScheduler: its get_lr and _get_closed_form_lr. */
export interface LrRule {
  /** The lr after step number `lastEpoch` (0 at construction), from the lr now in the group. */
  next(lastEpoch: number, lr: number, baseLr: number): number;
  /** The lr at `lastEpoch` from the base lr alone; torch uses it for step(epoch), which SequentialLR calls with 0. */
  closedForm?(lastEpoch: number, baseLr: number): number;
}

/** How a schedule's op builds its scheduler; sequential builds its children with `build`. */
export interface BuildContext {
  readonly group: LrGroup;
  /** Dotted path of this schedule in the pipeline, for messages. */
  readonly where: string;
  build(config: ScheduleConfig, where: string): Scheduler;
}

/** A registry entry: the YAML schema fragment and the builder. */
export interface ScheduleOp extends SchemaEntry {
  create(config: ScheduleConfig, ctx: BuildContext): Scheduler;
}

/** torch's _LRScheduler over one group: last_epoch, base_lrs, the initial step, step(epoch). */
export class RuleScheduler implements Scheduler {
  readonly cadence: 'epoch' | 'batch';
  /** torch's last_epoch: steps taken, 0 right after construction. */
  lastEpoch = -1;
  private readonly baseLr: number;

  constructor(
    private readonly group: LrGroup,
    private readonly rule: LrRule,
    cadence: 'epoch' | 'batch' = 'epoch',
  ) {
    this.cadence = cadence;
    group.initialLr ??= group.lr;
    this.baseLr = group.initialLr;
    this.initialStep();
  }

  /** The step every torch scheduler takes when built (and SequentialLR takes again for its first). */
  initialStep(): void {
    this.step();
  }

  /** step() with no argument: one more epoch by the chainable form. */
  step(): void {
    this.lastEpoch += 1;
    this.group.lr = this.rule.next(this.lastEpoch, this.group.lr, this.baseLr);
  }

  /** step(epoch): jump to `epoch` by the closed form where the rule has one, else by get_lr. */
  stepTo(epoch: number): void {
    this.lastEpoch = epoch;
    this.group.lr = this.rule.closedForm ? this.rule.closedForm(epoch, this.baseLr) : this.rule.next(epoch, this.group.lr, this.baseLr);
  }

  state(): SchedulerState {
    return { last_epoch: this.lastEpoch };
  }

  load(state: SchedulerState, where: string): void {
    this.lastEpoch = integerField(state, 'last_epoch', where);
  }
}

/** A number the saved state must hold; a missing or mistyped one is an incompatible resume. */
export function integerField(state: SchedulerState, key: string, where: string): number {
  const v = state[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw inputError(`saved schedule state: ${key} must be an integer, got ${JSON.stringify(v)}`, { path: where });
  return v;
}
