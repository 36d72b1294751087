// pipe's slice_channels (PipeSliceChannels): ONNX Slice on the channel axis, which is axis 1 of
// the graph's NCHW tensors.
import { onnxAxis, type LayerConverter } from '../layer-converter.js';
import { LayerRefusal } from '../refusal.js';

export const sliceChannelsLayer: LayerConverter = {
  className: 'PipeSliceChannels',
  ops: ['slice_channels'],
  convert(ctx, [x]) {
    if (x.shape.length !== 3) throw new LayerRefusal(`PipeSliceChannels needs an image [h, w, c], found [${x.shape.join(', ')}]`);
    const start = ctx.int('start', 0);
    const size = ctx.int('size', 1);
    const channels = x.shape[2];
    if (start + size > channels) throw new LayerRefusal(`PipeSliceChannels keeps channels ${start} to ${start + size - 1}, past the input's ${channels}`);
    const axis = onnxAxis(-1, x.shape);
    const out = ctx.emit('Slice', [x.name, ctx.int64s('starts', [start]), ctx.int64s('ends', [start + size]), ctx.int64s('axes', [axis])]);
    return { name: out, shape: [x.shape[0], x.shape[1], size] };
  },
};
