// Every schedule against torch.optim.lr_scheduler's own lrs (test/fixtures/optim/schedules.json,
// written by scripts/make-optim-goldens.py), through the object the training loop drives.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScheduleConfig } from '../../src/config/types.js';
import { InputError, JobError } from '../../src/errors.js';
import { createSchedule, planLr, schedules, type LrSchedule, type Metrics, type ScheduleState } from '../../src/train/schedules/index.js';

interface Case {
  readonly name: string;
  readonly config: ScheduleConfig;
  readonly base_lr: number;
  readonly metrics: number[] | null;
  readonly per_epoch?: number[];
  readonly per_step?: number[];
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/optim/schedules.json', import.meta.url), 'utf8')) as { cases: Case[] };
const RTOL = 1e-9;

function expectLrs(got: readonly number[], want: readonly number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((w, i) => {
    if (!(Math.abs(got[i] - w) <= RTOL * Math.abs(w))) expect.fail(`${what}: lr ${i} is ${got[i]}, torch ${w}`);
  });
}

/** What the loop does between two lr reads: one batch for cyclic, else one epoch. */
function advance(schedule: LrSchedule, c: Case, i: number): void {
  if (c.per_step) schedule.afterBatch();
  else schedule.afterEpoch(c.metrics ? ({ [(c.config.monitor as string | undefined) ?? 'val_loss']: c.metrics[i] } as Metrics) : {});
}

const cases = golden.cases.map((c) => [c.name, c] as const);

describe('schedules against torch.optim.lr_scheduler', () => {
  it('covers every registered schedule in the goldens', () => {
    const covered = new Set(golden.cases.flatMap((c) => [c.config.type, ...((c.config.schedules as ScheduleConfig[] | undefined) ?? []).map((s) => s.type)]));
    expect(covered).toEqual(new Set(schedules.map((s) => s.name)));
  });

  it.each(cases)('%s: planLr within 1e-9', (_, c) => {
    const want = c.per_step ?? c.per_epoch!;
    const plan = planLr(c.config, { baseLr: c.base_lr, stepsPerEpoch: c.per_step ? 1 : 7, epochs: want.length, metrics: c.metrics ?? undefined });
    expectLrs(c.per_step ? plan.perStep! : plan.perEpoch, want, c.name);
  });

  it.each(cases)('%s: resumes from a saved state (through JSON) as if never stopped', (_, c) => {
    const want = c.per_step ?? c.per_epoch!;
    const half = Math.floor(want.length / 2);
    const first = createSchedule(c.config, { baseLr: c.base_lr, stepsPerEpoch: 1 });
    const got: number[] = [];
    for (let i = 0; i < half; i++) {
      got.push(first.lr());
      advance(first, c, i);
    }
    const saved = JSON.parse(JSON.stringify(first.state())) as ScheduleState;
    const second = createSchedule(c.config, { baseLr: c.base_lr, stepsPerEpoch: 1 });
    second.load(saved);
    for (let i = half; i < want.length; i++) {
      got.push(second.lr());
      advance(second, c, i);
    }
    expectLrs(got, want, c.name);
  });
});

describe('schedule contract', () => {
  const ctx = { baseLr: 0.1, stepsPerEpoch: 4 };

  it('moves epoch schedules only after epochs and cyclic only after batches', () => {
    const step = createSchedule({ type: 'step', step_size: 1, gamma: 0.5 }, ctx);
    step.afterBatch();
    expect(step.lr()).toBe(0.1);
    step.afterEpoch({});
    expect(step.lr()).toBe(0.05);
    const cyclic = createSchedule({ type: 'cyclic', base_lr: 0.01, max_lr: 0.05, step_size_up: 2 }, ctx);
    // torch's CyclicLR replaces the optimiser's lr with base_lr before the first step.
    expect(cyclic.lr()).toBe(0.01);
    cyclic.afterEpoch({ val_loss: 1 });
    expect(cyclic.lr()).toBe(0.01);
    cyclic.afterBatch();
    expect(cyclic.lr()).toBe(0.03);
    expect([step.cadence, cyclic.cadence]).toEqual(['epoch', 'batch']);
  });

  it('plans cyclic per step and gives each epoch its first step', () => {
    const plan = planLr({ type: 'cyclic', base_lr: 0.01, max_lr: 0.05, step_size_up: 2, mode: 'triangular2' }, { ...ctx, epochs: 3 });
    expect(plan.perStep).toHaveLength(12);
    expect(plan.perEpoch).toEqual([plan.perStep![0], plan.perStep![4], plan.perStep![8]]);
    expect(planLr({ type: 'constant' }, { ...ctx, epochs: 2 }).perStep).toBeNull();
    expect(planLr({ type: 'constant' }, { ...ctx, epochs: 2, perStep: true }).perStep).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
  });

  it('fills each schedule\'s defaults from its schema fragment', () => {
    // StepLR's gamma defaults to 0.1; LinearLR's start_factor to 1/3 over 5 epochs.
    expect(planLr({ type: 'step', step_size: 2 }, { ...ctx, epochs: 3 }).perEpoch).toEqual([0.1, 0.1, 0.1 * 0.1]);
    expect(planLr({ type: 'linear' }, { ...ctx, epochs: 1 }).perEpoch).toEqual([0.1 / 3]);
  });

  it('follows the monitored metric, and says so when the loop does not report it', () => {
    const plateau = createSchedule({ type: 'reduce_on_plateau', monitor: 'val_top1', mode: 'max', patience: 0 }, ctx);
    plateau.afterEpoch({ val_top1: 0.5, val_loss: 9 });
    plateau.afterEpoch({ val_top1: 0.4, val_loss: 1 });
    expect(plateau.lr()).toBeCloseTo(0.01, 15);
    expect(() => plateau.afterEpoch({ val_loss: 1 })).toThrow(JobError);
    expect(() => plateau.afterEpoch({ val_loss: 1 })).toThrow('reduce_on_plateau watches val_top1, which this stage does not measure');
  });

  it('needs a metric series to plan reduce_on_plateau', () => {
    const config = { type: 'reduce_on_plateau', monitor: 'val_loss' };
    expect(() => planLr(config, { ...ctx, epochs: 4, metrics: [1, 2] })).toThrow(
      new InputError([{ path: 'schedule', message: 'reduce_on_plateau follows val_loss: planning 4 epochs needs its value after each epoch but the last (3), got 2' }]),
    );
    expect(planLr({ ...config, patience: 0 }, { ...ctx, epochs: 3, metrics: [1, 2, 3] }).perEpoch).toEqual([0.1, 0.1, 0.1 * 0.1]);
  });

  it.each([
    [{ type: 'cyclic', base_lr: 0.1, max_lr: 1 }, 'stages.s.schedule.schedules.1.type: a sequential schedule can hold only epoch schedules (constant, step, multistep, exponential, cosine, linear, manual), not cyclic (cyclic steps every batch)'],
    [{ type: 'reduce_on_plateau' }, "stages.s.schedule.schedules.1.type: a sequential schedule can hold only epoch schedules (constant, step, multistep, exponential, cosine, linear, manual), not reduce_on_plateau (reduce_on_plateau follows a metric, not epochs (torch's SequentialLR cannot hold it either))"],
    [{ type: 'sequential', milestones: [1], schedules: [{ type: 'constant' }, { type: 'constant' }] }, 'stages.s.schedule.schedules.1.type: a sequential schedule can hold only epoch schedules (constant, step, multistep, exponential, cosine, linear, manual), not sequential'],
  ])('refuses %j inside sequential, naming where', (inner, message) => {
    const config = { type: 'sequential', milestones: [2], schedules: [{ type: 'linear' }, inner] };
    expect(() => createSchedule(config, { ...ctx, where: 'stages.s.schedule' })).toThrow(message);
  });

  it('refuses sequential milestones that do not fit its schedules', () => {
    const two = [{ type: 'constant' }, { type: 'constant' }, { type: 'constant' }];
    expect(() => createSchedule({ type: 'sequential', milestones: [2], schedules: two }, ctx)).toThrow('schedule.milestones: sequential needs one milestone fewer than schedules (3 schedules, 1 milestones)');
    expect(() => createSchedule({ type: 'sequential', milestones: [4, 2], schedules: two }, ctx)).toThrow('schedule.milestones: milestones must increase');
  });

  it('refuses an unknown type, a manual table with a bad key, and a state of another schedule', () => {
    expect(() => createSchedule({ type: 'onecycle' }, ctx)).toThrow("schedule.type: unknown schedule 'onecycle' (known: constant, step, multistep, exponential, cosine, cyclic, reduce_on_plateau, linear, sequential, manual)");
    expect(() => createSchedule({ type: 'manual', lr_at: { ten: 0.1 } }, ctx)).toThrow("schedule.lr_at: 'ten' is not an epoch (a whole number from 0)");
    const saved = createSchedule({ type: 'exponential', gamma: 0.5 }, ctx).state();
    expect(() => createSchedule({ type: 'constant' }, ctx).load(saved)).toThrow("schedule: saved schedule state is for exponential, but this stage's schedule is constant");
    const plateau = createSchedule({ type: 'reduce_on_plateau' }, ctx);
    expect(() => plateau.load({ ...plateau.state(), scheduler: { last_epoch: 1 } })).toThrow('saved schedule state: num_bad_epochs must be an integer, got undefined');
  });

  it('saves an untouched plateau best as null (JSON has no Infinity) and restores the mode\'s worst', () => {
    const plateau = createSchedule({ type: 'reduce_on_plateau', mode: 'max', patience: 0 }, ctx);
    const saved = JSON.parse(JSON.stringify(plateau.state())) as ScheduleState;
    expect(saved.scheduler.best).toBeNull();
    const resumed = createSchedule({ type: 'reduce_on_plateau', mode: 'max', patience: 0 }, ctx);
    resumed.load(saved);
    resumed.afterEpoch({ val_loss: -1e300 });
    expect(resumed.lr()).toBe(0.1);
  });
});
