// The pipeline's own sections (everything that is not a registry entry): dataset, data
// selections, blocks, models, stages, report.
import { bool, conditionField, int, NODE_NAME_PATTERN, nodeName, oneOfStrings, plainInt, plainNumber, probability, type JsonSchema } from './fragments.js';
import { MAX_SEED } from '../../random.js';

// At most 100 characters: names become folders and file names (a run folder is <name>-<time>),
// which file systems cap at 255 bytes.
export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]{0,99}$';
const nameRef = (description: string): JsonSchema => ({ description, type: 'string', pattern: NAME_PATTERN });
const pairOfInts = (description: string): JsonSchema => ({ description, type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 });

export const idxSplitFiles: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['images'],
  properties: {
    images: { type: 'string', description: 'Gzipped (or raw) IDX file of images, relative to root.' },
    labels: { type: 'string', description: 'IDX file of labels, relative to root; omit for an unlabelled split.' },
  },
};

export const dataset: JsonSchema = {
  description: 'Where the images come from and how they are decoded (once, then cached).',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'root'],
  properties: {
    format: oneOfStrings('tiny-imagenet: wnids.txt, words.txt, train/<wnid>/images, val/images + val_annotations.txt, test/images. image-folder: root/<split>/<class>/*.jpg|png (or root/<class>/* as train). idx: MNIST-style IDX files.', ['tiny-imagenet', 'image-folder', 'idx']),
    root: { type: 'string', minLength: 1, description: 'Folder of the data set, relative to this pipeline file\'s folder or absolute.' },
    channels: { description: 'Channels to load: 3 replicates greyscale, 1 converts colour to luma (PIL \'L\').', enum: [1, 3], default: 3 },
    image_size: {
      description: '[height, width] in pixels that every image must have; null takes the first image\'s size.',
      anyOf: [pairOfInts('[height, width]'), { type: 'null' }],
      default: null,
    },
    resize: bool('Resize images of another size to image_size (bilinear) instead of stopping with an error.', false),
    on_bad_image: oneOfStrings('error: a truncated or non-image file stops the run, naming it; skip: it is left out and listed.', ['error', 'skip'], 'error'),
    idx: {
      description: 'idx only: the files of each split, relative to root.',
      type: 'object',
      propertyNames: { enum: ['train', 'val', 'test'] },
      additionalProperties: idxSplitFiles,
      default: {
        train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
        test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
      },
    },
    class_names: {
      description: 'Human names of the classes, in label order; overrides words.txt or folder names. Default: from the data set.',
      anyOf: [{ type: 'array', items: { type: 'string' }, minItems: 1 }, { type: 'null' }],
      default: null,
    },
  },
};

const source: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['split'],
  properties: {
    split: oneOfStrings('The split to draw from.', ['train', 'val', 'test']),
    fraction: plainNumber('Share of the split to keep (0 < f <= 1).', { exclusiveMinimum: 0, maximum: 1, default: 1 }),
    stratified: bool('With fraction: keep round(fraction * n) of every class, so classes stay balanced.', false),
    per_class: { description: 'Keep exactly this many images of every class (instead of fraction). Default: all.', anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }], default: null },
    max_images: { description: 'Cap on the number of images after selection (for quick runs). Default: no cap.', anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }], default: null },
    unlabelled: bool('Drop the labels (images only, e.g. for reconstruction pretraining).', false),
    augment: { description: 'Name of an augment chain applied to every image, drawn afresh each epoch. Default: none.', anyOf: [nameRef('chain name'), { type: 'null' }], default: null },
    seed: { description: `Seed of the selection, 0 to ${MAX_SEED}. Default: the pipeline seed.`, anyOf: [{ type: 'integer', minimum: 0, maximum: MAX_SEED }, { type: 'null' }], default: null },
  },
};

// if/then/else rather than anyOf: the key present picks the branch, so errors name that branch's
// fields instead of listing every alternative.
export const dataSelection: JsonSchema = {
  description: 'Images for a stage: one source, or `concat` of several (e.g. the originals plus an augmented copy).',
  if: { type: 'object', required: ['concat'] },
  then: {
    type: 'object',
    additionalProperties: false,
    required: ['concat'],
    properties: { concat: { description: 'Sources joined one after another.', type: 'array', items: { $ref: '#/$defs/data_source' }, minItems: 2 } },
  },
  else: { $ref: '#/$defs/data_source' },
};
export const dataSource = source;

export const block: JsonSchema = {
  description: 'A reusable, parametrised sub-graph. Inside it, `input` names the block\'s input and `${...}` expressions may use the parameters, the input\'s shape (in.height, in.width, in.channels) and the copy of a repeat (repeat.index, repeat.count).',
  type: 'object',
  additionalProperties: false,
  required: ['nodes'],
  properties: {
    params: {
      description: 'Parameter names with their default values; `required` marks one without a default.',
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,99}$' },
      additionalProperties: { anyOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'string' }] },
      default: {},
    },
    nodes: { description: 'The block\'s nodes, in order; the last one is its output.', type: 'array', items: { $ref: '#/$defs/node' }, minItems: 1 },
  },
};

export const blockNode: JsonSchema = {
  description: 'Use of a block: its nodes are inlined with the given arguments.',
  type: 'object',
  additionalProperties: false,
  required: ['block'],
  properties: {
    block: nameRef('Name of the block (in `blocks`).'),
    args: { description: 'Values of the block\'s parameters.', type: 'object', additionalProperties: { anyOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'string' }] }, default: {} },
    repeat: { ...int('Chain this many copies of the block one after another. Inside, ${repeat.index} is the copy (0 for the first) and ${repeat.count} the number of copies.', { minimum: 1 }), default: 1 },
    index_from: plainInt('Number of the first copy in the nodes\' names (name/<n>/node). Given, even a single copy is numbered, so `index_from: 0` names copies as torchvision\'s Sequential does (layer1/0/conv1). Default: copies numbered from 1 when there are two or more, none for one.', { minimum: 0 }),
    name: nodeName('Prefix of the inlined nodes\' names (name/node); the block\'s output is addressable as `name`. An expression may compute it. Default: the block name and its position.'),
    from: { description: 'The node feeding the block. Default: the previous node.', type: 'string', pattern: NODE_NAME_PATTERN },
    if: conditionField,
  },
};

const initDefaults: JsonSchema = {
  description: 'Default initialisers of this model\'s layers by op, e.g. {conv: {kernel: {type: kaiming_normal, mode: fan_out}, bias: zeros}}. Ops without an entry use `pytorch` (torch.nn defaults).',
  type: 'object',
  propertyNames: { enum: ['conv', 'conv_transpose', 'dense'] },
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    properties: { kernel: { $ref: '#/$defs/initializer' }, bias: { $ref: '#/$defs/initializer' } },
  },
  default: {},
};

/** Named tensors from PyTorch as a model's starting weights (src/graph/import/). */
export const weightsImport: JsonSchema = {
  description:
    'Start this model from weights saved by PyTorch, in a safetensors file (`safetensors.torch.save_file(model.state_dict(), ...)`): each weighted node takes the tensors `<module>.weight`, `.bias`, `.running_mean`, `.running_var` of the module its name maps to (`layer1/conv1` -> `layer1.conv1`: \'/\' becomes \'.\', then the `rename` rules), converted to the engine\'s layouts (conv OIHW -> HWIO, Linear transposed, a Linear after a flatten reordered from PyTorch\'s channel-first flatten). The file\'s sha256 is part of every stage key that runs the model. Checked before anything runs: missing tensors, shape mismatches and (strict) unused tensors are errors. A stage `init` from an earlier stage replaces these weights.',
  type: 'object',
  additionalProperties: false,
  required: ['file'],
  properties: {
    file: { type: 'string', minLength: 1, description: 'The .safetensors file: relative to the pipeline file that writes it (to the working folder when given with --set).' },
    rename: {
      description: 'Rewrites of the module paths, applied in order after the default rule (\'/\' becomes \'.\'), e.g. {match: \'_(\\d+)(?=\\.|$)\', to: \'.$1\'} for `layer2_0/downsample_1` -> `layer2.0.downsample.1`.',
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['match', 'to'],
        properties: {
          match: { type: 'string', minLength: 1, description: 'A JavaScript regular expression, applied to every occurrence.' },
          to: { type: 'string', description: 'The replacement: $1, $2... are the groups.' },
        },
      },
      default: [],
    },
    exclude: {
      description: 'Regular expressions on pipe node names (`layer4/conv1`, `fc`): the nodes they match keep their initialisers, e.g. a new classifier head of another class count.',
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
    },
    strict: { type: 'boolean', default: true, description: 'Refuse tensors that no node takes (other than num_batches_tracked and those of excluded nodes): a file for another model is refused rather than half used.' },
  },
};

export const model: JsonSchema = {
  description: 'A layer graph, or a composition of models that shares their layers (and so their weights).',
  if: { type: 'object', required: ['compose'] },
  then: {
    type: 'object',
    additionalProperties: false,
    required: ['compose'],
    properties: {
      description: { type: 'string', description: 'Free text.' },
      compose: { description: 'Models applied one after another; their layers are shared, not copied.', type: 'array', items: nameRef('model name'), minItems: 2 },
    },
  },
  else: {
    type: 'object',
    additionalProperties: false,
    required: ['input', 'nodes'],
    properties: {
      description: { type: 'string', description: 'Free text: what this model is, where its numbers come from.' },
      input: {
        description: 'The input: [height, width, channels] in pixels, or the name of the model whose output feeds this one.',
        anyOf: [{ type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 3, maxItems: 3 }, nameRef('model name')],
      },
      init: initDefaults,
      weights: { $ref: '#/$defs/weights_import' },
      nodes: { description: 'The nodes, in order; the last one is the output.', type: 'array', items: { $ref: '#/$defs/node' }, minItems: 1 },
    },
  },
};

export const earlyStopping: JsonSchema = {
  description: 'Stop the stage when a metric stops improving.',
  type: 'object',
  additionalProperties: false,
  properties: {
    monitor: oneOfStrings('The metric watched.', ['val_loss', 'val_top1', 'val_top5', 'train_loss', 'train_top1'], 'val_loss'),
    mode: oneOfStrings('min: lower is better; max: higher is better.', ['min', 'max'], 'min'),
    patience: plainInt('Epochs without improvement before stopping.', { minimum: 0, default: 5 }),
    min_delta: plainNumber('Smallest change that counts as an improvement.', { minimum: 0, default: 0 }),
    restore_best: bool('End with the weights of the best epoch.', true),
  },
};

export const stage: JsonSchema = {
  description: 'One step of the study: train a model (classify or reconstruct) or evaluate one.',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'model'],
  properties: {
    kind: oneOfStrings('classify: softmax cross-entropy on labels; reconstruct: an autoencoder\'s pixel loss; evaluate: a trained model on a split.', ['classify', 'reconstruct', 'evaluate']),
    description: { type: 'string', description: 'Free text.' },
    needs: { description: 'Stages that must finish first.', type: 'array', items: nameRef('stage name'), default: [] },
    model: nameRef('The model this stage trains or evaluates.'),
    init: {
      description: 'Start models from an earlier stage\'s trained weights, matched by layer name: {model: stage}, e.g. {encoder: pretrain}.',
      type: 'object',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: nameRef('stage name'),
      default: {},
    },
    freeze: { description: 'Models whose weights stay fixed in this stage.', type: 'array', items: nameRef('model name'), default: [] },
    train: { $ref: '#/$defs/data_selection', description: 'Training images (classify, reconstruct).' },
    val: { $ref: '#/$defs/data_selection', description: 'Images evaluated after each epoch (and by evaluate).' },
    corrupt: { description: 'reconstruct only: a chain applied to the input but not to the target (e.g. cutout, as in masked autoencoders).', anyOf: [nameRef('chain name'), { type: 'null' }], default: null },
    loss: oneOfStrings('classify: cross_entropy; reconstruct: mse or l1 on pixels. Default: by kind.', ['cross_entropy', 'mse', 'l1']),
    label_smoothing: probability('classify: label smoothing, as torch.nn.CrossEntropyLoss.', 0),
    epochs: plainInt('Epochs to train.', { minimum: 1 }),
    batch_size: plainInt('Images per step.', { minimum: 1, default: 64 }),
    micro_batch: {
      description:
        'Most images one forward and backward pass holds (gradient accumulation): each training worker splits its part of a batch into even pieces of at most this many and adds up their gradients before the one update. It lowers the memory a step needs, not the result, except that batchnorm and dropout see each piece on its own (the pieces run one after another, so they cannot share batchnorm\'s statistics as the workers do), so with those ops it is part of the stage\'s cache key. More workers lower a step\'s memory per heap with batchnorm\'s statistics still the whole batch\'s. Evaluation is not split. Default: the whole part at once.',
      anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }],
      default: null,
    },
    optimizer: { $ref: '#/$defs/optimizer' },
    schedule: { $ref: '#/$defs/schedule' },
    early_stopping: { $ref: '#/$defs/early_stopping', description: 'Early stopping. Default: none (train all epochs).' },
    checkpoint_every: plainNumber('Minutes between mid-epoch checkpoints (one is always written at each epoch end).', { exclusiveMinimum: 0, default: 10 }),
  },
};

export const report: JsonSchema = {
  description: 'What `pipe report` shows.',
  type: 'object',
  additionalProperties: false,
  properties: {
    title: { type: 'string', description: 'Title of the report. Default: the pipeline name.' },
    per_class: { description: 'Stages whose per-class results `pipe report` analyses (best and worst classes, confusions); empty: every stage with validation data.', type: 'array', items: nameRef('stage name'), default: [] },
    top_classes: plainInt('How many best and worst classes to show.', { minimum: 1, default: 5 }),
    preview: { description: 'Augment chains `pipe report` shows as grids of originals and augmented images; empty: every chain.', type: 'array', items: nameRef('chain name'), default: [] },
  },
  default: {},
};
