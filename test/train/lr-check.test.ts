// Point 7 of issue 17: finite settings a schedule multiplies into an infinite lr are refused
// before the run, naming the schedule, the epoch and what to lower.
import { describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';
import { InputError, formatDiagnostic } from '../../src/errors.js';
import { checkLrPlans } from '../../src/train/lr-check.js';
import { REPO } from '../helpers/cli.js';

async function check(sets: string[]): Promise<string[]> {
  const { pipeline } = await resolvePipeline('pipelines/demo.yaml', { cwd: REPO, sets });
  try {
    checkLrPlans(pipeline, Object.keys(pipeline.stages));
    return [];
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.diagnostics.map(formatDiagnostic);
  }
}

describe('schedules that make the lr infinite', () => {
  it.each([
    ['exponential growth', ['stages.train.schedule={type: exponential, gamma: 10}', 'stages.train.epochs=400', 'stages.train.optimizer.lr=1'], 'exponential', 310, 'Infinity'],
    ['step growth', ['stages.train.schedule={type: step, step_size: 1, gamma: 1e300}', 'stages.train.optimizer.lr=1e10'], 'step', 2, 'Infinity'],
    ['doubling a huge lr', ['stages.train.schedule={type: exponential, gamma: 2}', 'stages.train.optimizer.lr=1.0e308'], 'exponential', 2, 'Infinity'],
    ['multistep', ['stages.train.schedule={type: multistep, milestones: [2, 4], gamma: 1e200}', 'stages.train.optimizer.lr=1'], 'multistep', 5, 'Infinity'],
  ])('%s is refused at the epoch it overflows', async (_what, sets, type, epoch, lr) => {
    const found = await check(sets);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^stages\\.train\\.schedule: the ${type} schedule makes the lr ${lr} at epoch ${epoch} \\(from stages\\.train\\.optimizer\\.lr .*\\) \\(lower stages\\.train\\.optimizer\\.lr or the schedule's factors`));
  });

  it.each([
    ['the demo as it is', []],
    ['a decay', ['stages.train.schedule={type: exponential, gamma: 0.5}', 'stages.train.epochs=2000']],
    ['growth that stays finite', ['stages.train.schedule={type: exponential, gamma: 10}', 'stages.train.epochs=300', 'stages.train.optimizer.lr=1']],
    ['cyclic', ['stages.train.schedule={type: cyclic, base_lr: 0.001, max_lr: 0.1, step_size_up: 4}']],
  ])('%s passes', async (_what, sets) => {
    expect(await check(sets)).toEqual([]);
  });
});
