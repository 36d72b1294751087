// Ops over channels for the newer families: ShuffleNet's channel shuffle, stochastic depth on a
// residual branch (EfficientNet, ConvNeXt) and layer scale (ConvNeXt).
import { entry, int, num, oneOfStrings } from '../../config/schema/fragments.js';
import { chain, OpError, type GraphOp } from '../op.js';
import { image, positiveInt } from '../shape-rules.js';
import { nodeFields } from './fields.js';

const shuffleDescription = 'Interleaves channel groups, as torch.nn.ChannelShuffle (ShuffleNet): channels as [groups, c / groups], transposed.';
export const channelShuffle: GraphOp = {
  name: 'channel_shuffle',
  description: shuffleDescription,
  arity: 'one',
  schema: entry('op', 'channel_shuffle', shuffleDescription, { ...nodeFields, groups: int('Number of groups; must divide the channels.', { minimum: 1 }) }, ['groups']),
  infer(node, [input]) {
    const [, , c] = image(input, 'channel_shuffle');
    const g = positiveInt(node.params.groups, 'groups');
    if (c % g !== 0) throw new OpError(`groups ${g} does not divide the input's ${c} channels`);
    return { shape: input, trainable: 0, macs: 0 };
  },
  build: ({ custom, name }, node) => chain(new custom.ChannelShuffle({ name, groups: Number(node.params.groups) })),
};

const depthDescription = 'Drops a residual branch while training, as torchvision.ops.StochasticDepth: zero with probability p, else scaled by 1 / (1 - p); the identity in evaluation.';
export const stochasticDepth: GraphOp = {
  name: 'stochastic_depth',
  description: depthDescription,
  arity: 'one',
  schema: entry('op', 'stochastic_depth', depthDescription, {
    ...nodeFields,
    p: num('Probability of dropping the branch.', { minimum: 0, maximum: 1 }),
    mode: oneOfStrings('row: a draw per image; batch: one draw for the whole batch.', ['row', 'batch'], 'row'),
  }, ['p']),
  infer(node, [input]) {
    const p = node.params.p;
    if (typeof p !== 'number' || p < 0 || p > 1) throw new OpError(`p must be a probability in [0, 1], found ${JSON.stringify(p)}`);
    return { shape: input, trainable: 0, macs: 0 };
  },
  build: ({ custom, name, seed }, node) => chain(new custom.StochasticDepth({ name, p: Number(node.params.p), mode: node.params.mode === 'batch' ? 'batch' : 'row', seed: seed(name) })),
};

const scaleDescription = 'A learned per-channel scale, gamma * x, gamma starting at `value` (ConvNeXt\'s layer scale).';
export const layerScale: GraphOp = {
  name: 'layer_scale',
  description: scaleDescription,
  arity: 'one',
  schema: entry('op', 'layer_scale', scaleDescription, { ...nodeFields, value: num('Initial value of every gamma.', { default: 1e-6 }) }),
  infer(node, [input]) {
    if (typeof (node.params.value ?? 1e-6) !== 'number') throw new OpError(`value must be a number, found ${JSON.stringify(node.params.value)}`);
    return { shape: input, trainable: input[input.length - 1], macs: 0 };
  },
  build: ({ custom, name }, node) => chain(new custom.LayerScale({ name, value: Number(node.params.value ?? 1e-6) })),
};
