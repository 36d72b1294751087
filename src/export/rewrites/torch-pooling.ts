// The engine's PyTorch pools (src/graph/layers/avgpool.ts, adaptive-avgpool.ts) in stock layers.
// AdaptiveAvgPool2d to 1x1 is the mean over height and width: GlobalAveragePooling2D, then a
// Reshape back to [1, 1, c] (the engine keeps the image shape; c from channels.ts: tfjs's Reshape
// leaves a -1 unknown when the batch is). Other sizes and
// PyTorch's AvgPool2d (ceil_mode's partial windows, count_include_pad false) depend on the
// input's height and width, which model.json does not record at the layer: refused, naming the
// way out (--format onnx writes both exactly).
import { outputOf, stockLayer } from '../topology.js';
import { pairField, type StockRewrite } from './rewrite.js';

const ONNX_HINT = '--format onnx writes it exactly';

export const torchAdaptiveAvgPool2D: StockRewrite = {
  className: 'PipeTorchAdaptiveAvgPool2D',
  rewrite(layer, input, ctx) {
    const [oh, ow] = pairField(layer, 'size', ctx, 1);
    if (oh !== 1 || ow !== 1) {
      ctx.refuse(layer, `it pools to ${oh}x${ow}; PyTorch's bins depend on the input's height and width, which model.json does not record at this layer, and no stock layer computes them (${ONNX_HINT})`);
    }
    const source = layer.inbound_nodes[0][0];
    const c = ctx.channels({ layer: source[0], node: source[1], tensor: source[2] });
    if (c === null) ctx.refuse(layer, `the Reshape back to [1, 1, c] needs the channel count, which the layers before it do not fix (${ONNX_HINT})`);
    const mean = stockLayer('GlobalAveragePooling2D', ctx.freshName(`${layer.name}/mean`), { data_format: 'channels_last' }, [input]);
    const image = stockLayer('Reshape', layer.name, { target_shape: [1, 1, c] }, [outputOf(mean)]);
    return { layers: [mean, image], output: outputOf(image) };
  },
};

export const torchAvgPool2D: StockRewrite = {
  className: 'PipeTorchAvgPool2D',
  rewrite(layer, _input, ctx) {
    return ctx.refuse(layer, `it divides each window by PyTorch's count (ceil_mode's partial windows, or count_include_pad false), which varies by position with the input's size; stock AveragePooling2D divides by the kernel's area or, with 'same', centres its windows as TensorFlow does (${ONNX_HINT})`);
  },
};
