// A run of channels, as x[:, start:start + size] in PyTorch: ShuffleNetV2's x.chunk(2, dim=1)
// is two of them, `{start: 0, size: c / 2}` and `{start: c / 2, size: c / 2}`.
import { entry, int } from '../../config/schema/fragments.js';
import { chain, OpError, type GraphOp } from '../op.js';
import { image, positiveInt } from '../shape-rules.js';
import { nodeFields } from './fields.js';

const description = 'Channels start to start + size - 1 of an image, as x[:, start:start + size] in PyTorch (ShuffleNetV2\'s x.chunk(2, dim=1) is two slices). No weights.';

export const sliceChannels: GraphOp = {
  name: 'slice_channels',
  description,
  arity: 'one',
  schema: entry('op', 'slice_channels', description, {
    ...nodeFields,
    start: int('First channel kept, counted from 0. Default 0.', { minimum: 0, default: 0 }),
    size: int('Number of channels kept; start + size must not pass the input\'s channels.', { minimum: 1 }),
  }, ['size']),
  infer(node, [input]) {
    const [h, w, c] = image(input, 'slice_channels');
    const start = node.params.start ?? 0;
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) throw new OpError(`start must be an integer >= 0, found ${JSON.stringify(start)}`);
    const size = positiveInt(node.params.size, 'size');
    if (start + size > c) throw new OpError(`channels ${start} to ${start + size - 1} (start ${start}, size ${size}) pass the input's ${c} channels`);
    return { shape: [h, w, size], trainable: 0, macs: 0 };
  },
  build: ({ custom, name }, node) => chain(new custom.SliceChannels({ name, start: Number(node.params.start ?? 0), size: Number(node.params.size) })),
};
