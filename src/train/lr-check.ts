// Before a run: each stage's schedule, planned over its epochs, must keep the lr finite. A
// finite lr and finite factors can still multiply past a double (lr 1e300, start_factor 1e10;
// exponential gamma 10 over 400 epochs): caught here, the run would train until the weights
// turned to NaN.
import type { ResolvedPipeline } from '../config/types.js';
import { InputError, type Diagnostic } from '../errors.js';
import { monitoredMetric, planLr } from './schedules/index.js';

/** Epochs planned at most: beyond them a schedule is not checked (plans cost about 1 µs an epoch). */
export const MAX_PLANNED_EPOCHS = 100_000;

export function checkLrPlans(p: ResolvedPipeline, stages: readonly string[]): void {
  const problems: Diagnostic[] = [];
  for (const name of stages) {
    const stage = p.stages[name];
    // reduce_on_plateau only lowers the lr, and its plan needs metrics nobody has yet.
    if (stage.kind === 'evaluate' || !stage.optimizer || monitoredMetric(stage.schedule) !== null) continue;
    const where = `stages.${name}.schedule`;
    // One step an epoch: per-step (cyclic) schedules are bounded by their max_lr anyway.
    const { perEpoch } = planLr(stage.schedule, { baseLr: stage.optimizer.lr, stepsPerEpoch: 1, epochs: Math.min(stage.epochs ?? 1, MAX_PLANNED_EPOCHS), where });
    const bad = perEpoch.findIndex((lr) => !Number.isFinite(lr));
    if (bad >= 0) {
      problems.push({
        path: where,
        message: `the ${stage.schedule.type} schedule makes the lr ${perEpoch[bad]} at epoch ${bad + 1} (from stages.${name}.optimizer.lr ${stage.optimizer.lr}; the epoch before: ${perEpoch[bad - 1] ?? 'none'})`,
        hint: `lower stages.${name}.optimizer.lr or the schedule's factors (gamma, start_factor, end_factor), or train fewer epochs`,
      });
    }
  }
  if (problems.length) throw new InputError(problems);
}
