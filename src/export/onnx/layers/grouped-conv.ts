// The engine's grouped and depthwise conv (src/graph/layers/grouped-conv.ts; pipe's conv with
// `groups`) as one ONNX Conv with `group`. The engine's kernel is PyTorch's [out, in/groups, kh,
// kw] stored as [kh, kw, in/groups, out], and output channel o reads input group o // (out/groups)
// in both (the engine's depthwise path reshapes to [kh, kw, in, m], o = i * m + j: the same
// order), so one transpose to [out, in/groups, kh, kw] is ONNX's grouped weight. Its padding is
// a PipeTorchPad2D before it; the layer itself convolves 'valid'.
import { imageInput, type LayerConverter } from '../layer-converter.js';
import { permute } from '../onnx-graph.js';
import { LayerRefusal } from '../refusal.js';
import { window } from './conv.js';

export const torchGroupedConvLayer: LayerConverter = {
  className: 'PipeTorchGroupedConv2D',
  ops: ['conv'],
  convert(ctx, [x]) {
    const [h, w, c] = imageInput(x, 'PipeTorchGroupedConv2D');
    const filters = ctx.int('filters', 1);
    const groups = ctx.int('groups', 1);
    if (c % groups !== 0 || filters % groups !== 0) throw new LayerRefusal(`config.groups ${groups} does not divide the input's ${c} channels and filters ${filters}`);
    const [kh, kw] = ctx.pair('kernel_size', 1);
    const strides = ctx.pair('strides', 1, [1, 1]);
    const dilations = ctx.pair('dilation_rate', 1, [1, 1]);
    const rows = window(h, kh, strides[0], dilations[0], 'valid', 'height');
    const cols = window(w, kw, strides[1], dilations[1], 'valid', 'width');
    const kernel = ctx.weight('kernel', [kh, kw, c / groups, filters]);
    const inputs = [x.name, ctx.floats('kernel', [filters, c / groups, kh, kw], permute(kernel.data, kernel.shape, [3, 2, 0, 1]))];
    if (ctx.flag('use_bias', true)) inputs.push(ctx.floats('bias', [filters], ctx.weight('bias', [filters]).data));
    const name = ctx.emit('Conv', inputs, {
      group: { i: groups },
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: strides },
      dilations: { ints: dilations },
      pads: { ints: [0, 0, 0, 0] },
    });
    return { name, shape: [rows.out, cols.out, filters] };
  },
};
