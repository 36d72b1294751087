import type { ResolvedPipeline, ResolvedStage, SplitName } from '../../config/types.js';
import { didYouMean } from '../../config/suggest.js';
import { InputError, inputError } from '../../errors.js';
import { readerFor } from '../../data/readers/index.js';
import { selectData, type SplitSummary } from '../../data/select.js';
import { selectionSources } from '../../data/spec.js';
import { monitoredMetric, planLr, type LrPlan } from '../../train/schedules/index.js';
import type { Command, Io } from '../command.js';
import { loadPipeline } from '../load-pipeline.js';
import { setOption, sets } from './options.js';

export const schedule: Command = {
  name: 'schedule',
  summary: 'print the lr a stage will train with, epoch by epoch (step by step for cyclic)',
  usage: 'pipe schedule FILE --stage NAME [--set PATH=VALUE]... [--metrics V,V,...] [--steps] [--steps-per-epoch N] [--json]',
  positionals: { min: 1, max: 1 },
  description:
    "Runs the stage's schedule as training will (PyTorch's semantics: the lr after each scheduler.step()) and prints the lr of each epoch, 0-based as lr_at, milestones and step_size count them, with * where it changed.\n" +
    'A cyclic schedule moves every batch, so it is printed per step; --steps prints any schedule per step. The steps per epoch are ceil(train images / batch_size), the images counted from the data set listing (without decoding it), unless --steps-per-epoch gives them.\n' +
    'reduce_on_plateau follows a metric: --metrics gives its value after each epoch (all but the last epoch need one).',
  options: [
    { name: 'stage', type: 'string', value: 'NAME', description: 'the stage whose schedule to print' },
    setOption,
    { name: 'metrics', type: 'string', value: 'V,V,...', description: "reduce_on_plateau: the monitored metric's value after each epoch" },
    { name: 'steps', type: 'boolean', description: 'one row per optimiser step instead of per epoch' },
    { name: 'steps-per-epoch', type: 'string', value: 'N', description: 'optimiser steps per epoch, instead of counting the train data' },
    { name: 'json', type: 'boolean', description: 'print {stage, optimizer, schedule, epochs, steps_per_epoch, lr_per_epoch, lr_per_step}' },
  ],
  async run(args, io) {
    const { pipeline } = await loadPipeline(args.positionals[0], io.cwd, sets(args));
    const name = stageName(args.values.stage, pipeline);
    const stage = pipeline.stages[name];
    if (!stage.optimizer || stage.epochs === undefined) throw inputError(`stage '${name}' does not train (kind ${stage.kind}): it has no lr to plan`, { path: `stages.${name}` });
    const where = `stages.${name}.schedule`;
    const metrics = metricSeries(args.values.metrics, stage, where);
    const perStep = args.values.steps === true || stage.schedule.type === 'cyclic';
    const stepsPerEpoch = perStep ? await stepsOf(args.values['steps-per-epoch'], pipeline, name, stage) : 1;
    const plan = planLr(stage.schedule, { baseLr: stage.optimizer.lr, stepsPerEpoch, epochs: stage.epochs, metrics, perStep, where });
    if (args.values.json) {
      io.out(JSON.stringify({ stage: name, optimizer: stage.optimizer, schedule: stage.schedule, epochs: stage.epochs, steps_per_epoch: perStep ? stepsPerEpoch : null, lr_per_epoch: plan.perEpoch, lr_per_step: plan.perStep }, null, 2) + '\n');
    } else {
      printPlan(io, name, stage, plan, stepsPerEpoch);
    }
    return 0;
  },
};

function stageName(value: unknown, pipeline: ResolvedPipeline): string {
  const known = Object.keys(pipeline.stages);
  if (typeof value !== 'string') throw inputError('which stage? --stage NAME is needed', { hint: `stages: ${known.join(', ')}` });
  if (!Object.hasOwn(pipeline.stages, value)) throw inputError(`unknown stage '${value}'${didYouMean(value, known)}`, { hint: `stages: ${known.join(', ')}` });
  return value;
}

function metricSeries(text: unknown, stage: ResolvedStage, where: string): number[] | undefined {
  const monitor = monitoredMetric(stage.schedule);
  if (text === undefined) {
    if (monitor !== null) throw inputError(`reduce_on_plateau follows ${monitor}: give its value after each epoch with --metrics V,V,... (${(stage.epochs as number) - 1} values)`, { path: where });
    return undefined;
  }
  if (monitor === null) throw inputError(`--metrics is for reduce_on_plateau schedules; this one is ${stage.schedule.type}`, { path: where });
  const values = String(text).split(',').map((v) => v.trim());
  const bad = values.find((v) => v === '' || !Number.isFinite(Number(v)));
  if (bad !== undefined) throw inputError(`--metrics: '${bad}' is not a number`, { hint: 'e.g. --metrics 1.2,0.9,0.85' });
  if (values.length > (stage.epochs as number)) throw inputError(`--metrics: ${values.length} values for ${stage.epochs} epochs`, { path: where });
  return values.map(Number);
}

/** Optimiser steps per epoch: given, or ceil(train images / batch_size) as the loader batches them. */
async function stepsOf(given: unknown, pipeline: ResolvedPipeline, name: string, stage: ResolvedStage): Promise<number> {
  if (given !== undefined) {
    const n = Number(given);
    if (!(Number.isInteger(n) && n >= 1)) throw inputError(`--steps-per-epoch: expected a whole number >= 1, got '${String(given)}'`);
    return n;
  }
  try {
    const summaries = new Map<SplitName, SplitSummary>();
    for (const source of selectionSources(stage.train!)) {
      if (summaries.has(source.split)) continue;
      const listing = await readerFor(pipeline.dataset.format).list(pipeline.dataset, source.split);
      const count = listing.labels?.length ?? (listing.images.kind === 'files' ? listing.images.files.length : (await listing.images.read()).count);
      summaries.set(source.split, { count, labels: listing.labels, classCount: listing.classNames.length });
    }
    const parts = selectData(stage.train!, (split) => summaries.get(split)!, `stages.${name}.train`, pipeline.augment);
    return Math.ceil(parts.reduce((n, p) => n + p.indices.length, 0) / stage.batch_size);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError([...e.diagnostics, { message: 'the steps per epoch are counted from the train data: pass --steps-per-epoch N where it is not on this machine' }]);
  }
}

function printPlan(io: Io, name: string, stage: ResolvedStage, plan: LrPlan, stepsPerEpoch: number): void {
  const optimizer = stage.optimizer!;
  const monitor = monitoredMetric(stage.schedule);
  io.out(`stage ${name}: ${optimizer.type} lr ${optimizer.lr}, schedule ${stage.schedule.type}${monitor ? ` on ${monitor}` : ''}, ${stage.epochs} epochs${plan.perStep ? ` of ${stepsPerEpoch} steps` : ''}\n`);
  const rows = plan.perStep
    ? plan.perStep.map((lr, i) => [String(Math.floor(i / stepsPerEpoch)), String(i), lr] as const)
    : plan.perEpoch.map((lr, i) => [String(i), lr] as const);
  const header = plan.perStep ? ['epoch', 'step', 'lr'] : ['epoch', 'lr'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (c < r.length - 1 ? (r[c] as string).length : 0))));
  const cell = (text: string, c: number) => (c < header.length - 1 ? text.padStart(widths[c]) : text);
  io.out(header.map(cell).join('  ') + '\n');
  let lines = '';
  let changes = 0;
  rows.forEach((row, i) => {
    const lr = row[row.length - 1] as number;
    const changed = i > 0 && lr !== rows[i - 1][row.length - 1];
    changes += changed ? 1 : 0;
    lines += [...row.slice(0, -1).map((t, c) => cell(t as string, c)), showLr(lr)].join('  ') + (changed ? '  *\n' : '\n');
  });
  io.out(lines);
  if (changes > 0) io.out(`* the lr changed at this ${plan.perStep ? 'step' : 'epoch'}\n`);
}

/** Six significant digits: enough to tell schedules apart, without float noise (0.010000000000000002). */
function showLr(lr: number): string {
  return String(Number(lr.toPrecision(6)));
}
