// PipeTorchConv2DTranspose (src/graph/layers/conv-transpose.ts) is torch.nn.ConvTranspose2d: the
// full transposed conv F = (in - 1) * s + k, zero rows appended past F, then rows [p, F - p + op)
// kept, then the bias added to all of them. Stock Conv2DTranspose 'valid' computes the same full
// conv over L = in * s + max(k - s, 0) = F + max(s - k, 0) rows (those past F get no input, only
// the bias), with the same kernel layout [kh, kw, out, in]. So: crop p at the start and
// L - (F - p + op) = max(s - k, 0) + p - op at the end. When that is negative (output_padding
// beyond what L holds), the missing rows are zeros plus the bias: the conv runs without its bias,
// ZeroPadding2D appends them, and a 1x1 DepthwiseConv2D of ones adds the bias (x * 1 + b, exact).
import { outputOf, stockLayer, type LayerJson, type NamedWeight } from '../topology.js';
import { pairField, wholeField, type Replacement, type StockRewrite } from './rewrite.js';

export const torchConv2DTranspose: StockRewrite = {
  className: 'PipeTorchConv2DTranspose',
  rewrite(layer, input, ctx) {
    const [kernel, strides, padding, outputPadding] = ['kernel_size', 'strides', 'padding', 'output_padding'].map((f) => pairField(layer, f, ctx, f === 'kernel_size' || f === 'strides' ? 1 : 0));
    const filters = wholeField(layer, layer.config.filters, 'filters', ctx, 1);
    const useBias = layer.config.use_bias !== false;
    const end = [0, 1].map((a) => Math.max(strides[a] - kernel[a], 0) + padding[a] - outputPadding[a]);
    const crop = [0, 1].map((a) => [padding[a], Math.max(end[a], 0)]);
    const grow = end.map((e) => Math.max(-e, 0));
    const biasMoves = useBias && grow.some((g) => g > 0);
    const conv = { filters, kernel_size: kernel, strides, padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: useBias && !biasMoves };
    const layers: LayerJson[] = [stockLayer('Conv2DTranspose', layer.name, conv, [input])];
    const last = () => outputOf(layers[layers.length - 1]);
    if (grow.some((g) => g > 0)) layers.push(stockLayer('ZeroPadding2D', ctx.freshName(`${layer.name}/output_padding`), { padding: grow.map((g) => [0, g]), data_format: 'channels_last' }, [last()]));
    if (crop.flat().some((c) => c > 0)) layers.push(stockLayer('Cropping2D', ctx.freshName(`${layer.name}/crop`), { cropping: crop, data_format: 'channels_last' }, [last()]));
    if (!biasMoves) return { layers, output: last() };
    const bias = ctx.weight(`${layer.name}/bias`);
    if (bias.data.length !== filters) ctx.refuse(layer, `its bias has ${bias.data.length} values for ${filters} filters (is weights.bin damaged?)`);
    const add = stockLayer('DepthwiseConv2D', ctx.freshName(`${layer.name}/bias`), { kernel_size: [1, 1], strides: [1, 1], padding: 'valid', data_format: 'channels_last', depth_multiplier: 1, activation: 'linear', use_bias: true }, [last()]);
    layers.push(add);
    const weights: NamedWeight[] = [
      { name: `${add.name}/depthwise_kernel`, shape: [1, 1, filters, 1], data: new Float32Array(filters).fill(1) },
      { name: `${add.name}/bias`, shape: [filters], data: bias.data },
    ];
    return { layers, output: last(), dropWeights: [bias.name], addWeights: weights } satisfies Replacement;
  },
};
