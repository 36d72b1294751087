// An explicit table, as a researcher lowering the lr by hand: from each listed 0-based epoch on,
// that lr; before the first listed epoch, the optimiser's. Not a torch scheduler: torch would write
// it as LambdaLR(lambda e: table(e) / lr), which is what the goldens compare against.
import { entry } from '../../config/schema/fragments.js';
import { inputError } from '../../errors.js';
import { RuleScheduler, type ScheduleOp } from './schedule.js';

const description = 'An explicit table epoch -> lr, as a researcher lowering it by hand: from each listed epoch on, that lr.';

export const manual: ScheduleOp = {
  name: 'manual',
  description,
  schema: entry('type', 'manual', description, {
    lr_at: {
      description: 'Map from epoch (0-based, as a string key) to the lr used from that epoch on, e.g. {20: 0.01, 30: 0.001}.',
      type: 'object',
      propertyNames: { pattern: '^[0-9]+$' },
      additionalProperties: { type: 'number', exclusiveMinimum: 0 },
      minProperties: 1,
    },
  }, ['lr_at']),
  create(config, { group, where }) {
    const table = lrTable(config.lr_at, `${where}.lr_at`);
    // The last entry at or before epoch e; like LambdaLR, it ignores the lr now in the group.
    const at = (e: number, base: number) => {
      let lr = base;
      for (const [epoch, value] of table) if (epoch <= e) lr = value;
      return lr;
    };
    return new RuleScheduler(group, { next: (e, _lr, base) => at(e, base), closedForm: at });
  },
};

function lrTable(value: unknown, where: string): ReadonlyArray<readonly [number, number]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw inputError('expected a map from epoch to lr, e.g. {20: 0.01}', { path: where });
  const rows = Object.entries(value).map(([key, lr]): [number, number] => {
    if (!/^[0-9]+$/.test(key)) throw inputError(`'${key}' is not an epoch (a whole number from 0)`, { path: where });
    if (typeof lr !== 'number' || !(lr > 0)) throw inputError(`the lr at epoch ${key} must be a number > 0, got ${JSON.stringify(lr)}`, { path: `${where}.${key}` });
    return [Number(key), lr];
  });
  if (rows.length === 0) throw inputError('lists no epoch', { path: where });
  return rows.sort((a, b) => a[0] - b[0]);
}
