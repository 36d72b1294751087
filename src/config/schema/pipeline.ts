// Assembles the whole pipeline schema from the sections and the registries. Only the generator
// (scripts/gen-schema.ts) calls this; the CLI reads the committed schemas/pipeline.schema.json.
import type { JsonSchema, SchemaEntry } from './fragments.js';
import { MAX_SEED } from '../../random.js';
import { block, blockNode, dataSelection, dataSource, dataset, earlyStopping, model, NAME_PATTERN, report, stage, weightsImport } from './sections.js';

export interface Registries {
  readonly graphOps: readonly SchemaEntry[];
  readonly augmentOps: readonly SchemaEntry[];
  readonly optimizers: readonly SchemaEntry[];
  readonly schedules: readonly SchemaEntry[];
}

export const SCHEMA_ID = 'https://pipe.dev/schemas/pipeline.schema.json';

/** A union discriminated by `property`: ajv's discriminator picks the branch by its const. */
function union(property: string, description: string, entries: readonly SchemaEntry[], prefix: string): JsonSchema {
  return {
    description: `${description} One of: ${entries.map((e) => e.name).join(', ')}.`,
    type: 'object',
    required: [property],
    discriminator: { propertyName: property },
    oneOf: entries.map((e) => ({ $ref: `#/$defs/${prefix}${e.name}` })),
  };
}

function defsOf(entries: readonly SchemaEntry[], prefix: string): Record<string, JsonSchema> {
  return Object.fromEntries(entries.map((e) => [`${prefix}${e.name}`, e.schema]));
}

export function pipelineSchema(r: Registries): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCHEMA_ID,
    title: 'pipe pipeline',
    description: 'A whole study: data set, augmentation chains, layer graphs and staged training. Start each file with `# yaml-language-server: $schema=../schemas/pipeline.schema.json`.',
    type: 'object',
    additionalProperties: false,
    required: ['name', 'dataset', 'models', 'stages'],
    properties: {
      extends: { type: 'string', description: 'A pipeline file this one builds on, relative to this file. Maps merge key by key, lists are replaced whole, null deletes a key.' },
      name: { type: 'string', pattern: NAME_PATTERN, description: 'Name of the pipeline: used in run folders and reports.' },
      description: { type: 'string', description: 'Free text: what this pipeline is for.' },
      seed: { type: 'integer', minimum: 0, maximum: MAX_SEED, default: 0, description: `Seed of every random draw: initialisation, data order, selection, augmentation. 0 to ${MAX_SEED} (32 bits).` },
      workers: {
        type: 'integer',
        minimum: 1,
        description:
          'Training workers on the wasm-onednn, wasm and cpu backends: each batch is split across this many threads, each with its own backend instance, and their gradients are averaged into one update. batchnorm normalises by the whole batch\'s statistics, which the workers share at every batchnorm (as PyTorch\'s SyncBatchNorm; docs/training.md), so the result is one worker\'s up to float rounding, unless dropout draws masks or micro_batch splits a worker\'s part. `pipe run --workers N` overrides it. Default: one per core. The tensorflow backends use every core themselves and train on one.',
      },
      dataset: { $ref: '#/$defs/dataset' },
      augment: {
        description: 'Named augmentation chains: lists of steps applied in order (torchvision names and semantics).',
        type: 'object',
        propertyNames: { pattern: NAME_PATTERN },
        additionalProperties: { type: 'array', items: { $ref: '#/$defs/augment_step' } },
        default: {},
      },
      params: {
        description: 'Named values the models\' nodes may read in expressions, e.g. {num_classes: 1000} and `units: $num_classes`; `--set params.num_classes=10` changes one for every model. Blocks read only their own parameters: pass a value on with args.',
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,99}$' },
        additionalProperties: { anyOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'string' }] },
        default: {},
      },
      blocks: { description: 'Named reusable sub-graphs.', type: 'object', propertyNames: { pattern: NAME_PATTERN }, additionalProperties: { $ref: '#/$defs/block' }, default: {} },
      models: { description: 'Named models: layer graphs or compositions of them.', type: 'object', propertyNames: { pattern: NAME_PATTERN }, additionalProperties: { $ref: '#/$defs/model' }, minProperties: 1 },
      stages: { description: 'Named stages, run in the order their `needs` allow.', type: 'object', propertyNames: { pattern: NAME_PATTERN }, additionalProperties: { $ref: '#/$defs/stage' }, minProperties: 1 },
      report: { $ref: '#/$defs/report' },
    },
    $defs: {
      dataset,
      data_source: dataSource,
      data_selection: dataSelection,
      block,
      model,
      weights_import: weightsImport,
      stage,
      report,
      early_stopping: earlyStopping,
      node: {
        description: 'A graph node: an op (`op: conv`, ...) or the use of a block (`block: residual1`).',
        if: { type: 'object', required: ['block'] },
        then: { $ref: '#/$defs/block_node' },
        else: { $ref: '#/$defs/op_node' },
      },
      block_node: blockNode,
      op_node: union('op', 'A layer op.', r.graphOps, 'op_'),
      ...defsOf(r.graphOps, 'op_'),
      augment_step: union('op', 'An augmentation step.', r.augmentOps, 'augment_'),
      ...defsOf(r.augmentOps, 'augment_'),
      optimizer: union('type', 'The optimiser.', r.optimizers, 'optimizer_'),
      ...defsOf(r.optimizers, 'optimizer_'),
      schedule: union('type', 'The learning-rate schedule. Default: constant.', r.schedules, 'schedule_'),
      ...defsOf(r.schedules, 'schedule_'),
      initializer: {
        description:
          'A weight initialiser: a name (zeros, ones, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, pytorch = torch.nn defaults) or an object with `type` and its parameters, e.g. {type: kaiming_normal, mode: fan_out, nonlinearity: relu}, {type: normal, mean: 0, std: 0.01}.',
        if: { type: 'string' },
        then: { enum: ['zeros', 'ones', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', 'kaiming_normal', 'pytorch'] },
        else: { $ref: '#/$defs/initializer_object' },
      },
      initializer_object: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: { enum: ['kaiming_normal', 'kaiming_uniform', 'xavier_normal', 'xavier_uniform', 'normal', 'uniform', 'constant', 'zeros', 'ones', 'pytorch'], description: 'The initialiser.' },
          mode: { enum: ['fan_in', 'fan_out'], default: 'fan_in', description: 'kaiming and pytorch: which fan the variance or bound is computed from ({type: pytorch, mode: fan_out} is U(+-1/sqrt(out features)), torchvision EfficientNet\'s Linear).' },
          nonlinearity: { enum: ['relu', 'leaky_relu', 'linear', 'tanh', 'sigmoid'], default: 'leaky_relu', description: 'kaiming: the gain\'s nonlinearity, as torch.nn.init.calculate_gain.' },
          a: { type: 'number', default: 0, description: 'kaiming: negative slope of leaky_relu.' },
          gain: { type: 'number', default: 1, description: 'xavier: scaling factor.' },
          mean: { type: 'number', default: 0, description: 'normal: mean.' },
          std: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'normal: standard deviation.' },
          low: { type: 'number', default: 0, description: 'uniform: lower bound.' },
          high: { type: 'number', default: 1, description: 'uniform: upper bound.' },
          value: { type: 'number', default: 0, description: 'constant: the value.' },
        },
      },
    },
  };
}
