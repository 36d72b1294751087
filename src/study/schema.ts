// The JSON Schema of a study file, schemas/study.schema.json (written by scripts/gen-schema.ts,
// checked for staleness by test/study/schema.test.ts). What the schema cannot say (one
// distribution per parameter, lo < hi, equal zip lengths, the metric's stage) study/spec.ts checks,
// located the same way.
import { SET_PATH_PATTERN } from '../config/paths.js';
import { plainInt, type JsonSchema } from '../config/schema/fragments.js';
import { NAME_PATTERN } from '../config/schema/sections.js';
import { MAX_SEED } from '../random.js';
import type { StudyMetric } from './types.js';

export const STUDY_SCHEMA_ID = 'https://pipe.dev/schemas/study.schema.json';

/** A study makes at most this many trials (counted before any is made). */
export const MAX_TRIALS = 10_000;
/** An axis lists at most this many values. */
export const MAX_AXIS_VALUES = 1_000;
/** `seeds: K` makes at most this many replicates. */
export const MAX_SEEDS = 1_000;

export const METRIC_NAMES: readonly StudyMetric['name'][] = ['val_top1', 'val_top5', 'val_loss', 'train_top1', 'train_loss'];

const axisValues = (what: string): JsonSchema => ({
  type: 'array',
  minItems: 1,
  description: `${what} Numbers, strings, true/false, lists or maps: each is given to the pipeline as \`--set PATH=VALUE\` would, and typed by the pipeline's schema. At most ${MAX_AXIS_VALUES} values, no two equal.`,
});

const axes = (what: string): JsonSchema => ({
  type: 'object',
  propertyNames: { pattern: SET_PATH_PATTERN },
  additionalProperties: axisValues(what),
});

const pair = (description: string, item: JsonSchema): JsonSchema => ({ description, type: 'array', items: item, minItems: 2, maxItems: 2 });

const distribution: JsonSchema = {
  description: 'Where one parameter is drawn from: exactly one of uniform, log_uniform, int, choice.',
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    uniform: pair('[lo, hi]: uniform between lo and hi, rounded to 4 significant digits (in the parameter\'s own unit).', { type: 'number' }),
    log_uniform: pair('[lo, hi], both > 0: uniform in log(value) (learning rates, weight decay), rounded to 4 significant digits.', { type: 'number', exclusiveMinimum: 0 }),
    int: pair('[lo, hi]: a whole number from lo to hi, both included.', { type: 'integer' }),
    choice: { ...axisValues('One of these values, each equally likely.'), description: 'One of these values, each equally likely (drawn with replacement; samples that repeat one another are drawn again).' },
  },
};

const METRIC_OBJECT: JsonSchema = {
  description: 'The metric in full.',
  type: 'object',
  additionalProperties: false,
  required: ['stage', 'name'],
  properties: {
    stage: { type: 'string', pattern: NAME_PATTERN, description: 'The stage whose epochs are read; every pipeline of the study must have it.' },
    name: { type: 'string', enum: [...METRIC_NAMES], description: 'The epoch metric (top1/top5: accuracy in [0, 1]; loss: the stage\'s loss).' },
    goal: { type: 'string', enum: ['max', 'min'], description: 'max: higher is better; min: lower is better. Default: max for top1 and top5, min for a loss.' },
    stages: {
      type: 'object',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: { type: 'string', pattern: NAME_PATTERN },
      description: 'Pipelines whose stage of that role is named otherwise: pipeline name -> its stage, e.g. {densenet: cycle2}. Default: none (stage in every pipeline).',
    },
  },
};

export function studySchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: STUDY_SCHEMA_ID,
    title: 'pipe study',
    description:
      'Many trials of pipelines: the listed pipelines crossed with the grid, zip groups, random samples and seeds, each trial an ordinary pipeline plus `--set` overrides. Start each file with `# yaml-language-server: $schema=../schemas/study.schema.json`.',
    type: 'object',
    additionalProperties: false,
    required: ['name', 'metric'],
    properties: {
      extends: { type: 'string', description: 'A study file this one builds on, relative to this file. Maps merge key by key, lists are replaced whole, null deletes a key (as pipelines). Default: none.' },
      name: { type: 'string', pattern: NAME_PATTERN, description: 'Name of the study: used in its output folder and report.' },
      description: { type: 'string', description: 'Free text: the question the study answers. Default: none.' },
      seed: {
        type: 'integer',
        minimum: 0,
        maximum: MAX_SEED,
        default: 0,
        description: `Seeds the random: draws, so the same file gives the same trials. 0 to ${MAX_SEED} (32 bits). Not the pipelines' seed: that is theirs, or the seeds: axis.`,
      },
      pipeline: { type: 'string', minLength: 1, description: 'The pipeline file every trial starts from, relative to this file. This, pipelines, or both (then it comes first). Default: none.' },
      pipelines: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        description: 'Pipeline files compared, relative to this file; each is crossed with every axis. Default: none (then pipeline is needed).',
      },
      grid: {
        ...axes('The values this path takes.'),
        description: 'Axes crossed with one another: PATH (as `--set` writes it, e.g. stages.finetune.optimizer.lr) -> a list of values. A grid of 3 and 2 values makes 6 trials, the first path varying slowest. Default: {}.',
        default: {},
      },
      zip: {
        type: 'array',
        items: { ...axes('The values this path takes, in step with the other paths of its group.'), description: 'Paths that move together: the i-th trial of the group takes the i-th value of every list, so the lists have equal lengths.', minProperties: 1 },
        description: 'Groups of paths that move together; each group is one axis, crossed with the grid and the other groups. Default: [].',
        default: [],
      },
      random: {
        description: 'Random search: samples draws of every parameter, from the study\'s seed; crossed with the other axes. Default: none.',
        type: 'object',
        additionalProperties: false,
        required: ['samples', 'params'],
        properties: {
          samples: plainInt('How many draws (trials per point of the other axes), all different.', { minimum: 1, maximum: MAX_AXIS_VALUES }),
          params: { description: 'PATH -> its distribution.', type: 'object', propertyNames: { pattern: SET_PATH_PATTERN }, additionalProperties: { $ref: '#/$defs/distribution' }, minProperties: 1 },
        },
      },
      seeds: {
        description: `Replicates: K (1 to ${MAX_SEEDS}) sets the pipeline's seed to 0, 1, ..., K-1 in turn; a list gives the seeds themselves. Crossed with every other axis, varying fastest. Default: none (each pipeline keeps its own seed).`,
        anyOf: [
          { type: 'integer', minimum: 1, maximum: MAX_SEEDS },
          { type: 'array', items: { type: 'integer', minimum: 0, maximum: MAX_SEED }, minItems: 1 },
        ],
      },
      metric: {
        description: `What the trials are compared on: STAGE.METRIC (e.g. finetune.val_top1) or {stage, name, goal}. METRIC is one of ${METRIC_NAMES.join(', ')}; its best value over the stage's epochs counts.`,
        // Inlined, not a $ref: the explainer picks an anyOf branch by the errors under its path.
        anyOf: [{ type: 'string', minLength: 1 }, METRIC_OBJECT],
      },
      prune: { $ref: '#/$defs/prune' },
    },
    $defs: {
      distribution,
      prune: {
        description: 'Stops trials that fall behind: successive halving over one stage\'s epochs. At each rung (min_epochs, min_epochs*eta, ...) only the best 1/eta of the trials still running go on. Default: none (every trial runs to the end).',
        type: 'object',
        additionalProperties: false,
        required: ['type', 'min_epochs'],
        properties: {
          type: { const: 'successive_halving', description: 'The pruning rule.' },
          stage: { type: 'string', pattern: NAME_PATTERN, description: 'The stage pruned at rungs. Default: the metric\'s stage.' },
          min_epochs: plainInt('Epochs every trial trains before the first rung; below the stage\'s epochs in every trial.', { minimum: 1 }),
          eta: plainInt('Keep the best 1/eta of the trials at each rung.', { minimum: 2, default: 3 }),
        },
      },
    },
  };
}

export function studySchemaText(): string {
  return JSON.stringify(studySchema(), null, 2) + '\n';
}
