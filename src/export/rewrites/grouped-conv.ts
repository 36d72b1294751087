// PipeTorchGroupedConv2D (src/graph/layers/grouped-conv.ts) is torch.nn.Conv2d with groups > 1,
// its kernel [kh, kw, in/groups, out], output channel o reading input group o // (out/groups).
// - Depthwise (in/groups = 1): stock DepthwiseConv2D, whose kernel [kh, kw, in, m] puts output
//   i * m + j after input i: the engine's kernel reshaped, the same bytes (renamed
//   depthwise_kernel).
// - Other groups: stock tfjs has no grouped conv and no layer to split channels, so the exact
//   stock form is one Conv2D over the block-diagonal kernel [kh, kw, in, out]: zeros where an
//   output does not read an input (x * 0 adds nothing to a sum). It holds `groups` times the
//   weights and does `groups` times the work (docs/export.md).
// A dilation with a stride is the wide kernel (conv.ts), which tfjs's convolutions need.
import { outputOf, stockLayer, type NamedWeight } from '../topology.js';
import { dilateKernel } from './conv.js';
import { pairField, wholeField, type StockRewrite } from './rewrite.js';

export const torchGroupedConv2D: StockRewrite = {
  className: 'PipeTorchGroupedConv2D',
  rewrite(layer, input, ctx) {
    const filters = wholeField(layer, layer.config.filters, 'filters', ctx, 1);
    const groups = wholeField(layer, layer.config.groups, 'groups', ctx, 1);
    const [kh, kw] = pairField(layer, 'kernel_size', ctx, 1);
    const strides = pairField(layer, 'strides', ctx, 1);
    const dilation = pairField(layer, 'dilation_rate', ctx, 1);
    const kernel = ctx.weight(`${layer.name}/kernel`);
    const [, , perGroup, out] = kernel.shape;
    if (kernel.shape.length !== 4 || kernel.shape[0] !== kh || kernel.shape[1] !== kw || out !== filters || filters % groups !== 0) {
      ctx.refuse(layer, `its kernel is ${kernel.shape.join('x')}, not ${kh}x${kw}xCx${filters} with ${groups} groups dividing ${filters} (is weights.bin damaged?)`);
    }
    const useBias = layer.config.use_bias !== false;
    const wide = dilation.some((d) => d > 1) && strides.some((s) => s > 1);
    const common = { strides, padding: 'valid', data_format: 'channels_last', dilation_rate: wide ? [1, 1] : dilation, activation: 'linear', use_bias: useBias };
    const channels = perGroup * groups;
    if (perGroup === 1) {
      const depthwise: NamedWeight = { name: `${layer.name}/depthwise_kernel`, shape: [kh, kw, channels, filters / channels], data: kernel.data };
      const w = wide ? dilateKernel(depthwise, dilation) : depthwise;
      const l = stockLayer('DepthwiseConv2D', layer.name, { ...common, kernel_size: w.shape.slice(0, 2), depth_multiplier: filters / channels }, [input]);
      return { layers: [l], output: outputOf(l), dropWeights: [kernel.name], addWeights: [w] };
    }
    const full = blockDiagonal(kernel, groups);
    const w = wide ? dilateKernel(full, dilation) : full;
    const l = stockLayer('Conv2D', layer.name, { ...common, filters, kernel_size: w.shape.slice(0, 2) }, [input]);
    return { layers: [l], output: outputOf(l), dropWeights: [kernel.name], addWeights: [w] };
  },
};

/** [kh, kw, in/g, out] -> [kh, kw, in, out], output o's taps at its group's inputs, zeros elsewhere. */
export function blockDiagonal(w: NamedWeight, groups: number): NamedWeight {
  const [kh, kw, perGroup, out] = w.shape;
  const inChannels = perGroup * groups;
  const outPerGroup = out / groups;
  const data = new Float32Array(kh * kw * inChannels * out);
  for (let t = 0; t < kh * kw; t++) {
    for (let i = 0; i < perGroup; i++) {
      for (let o = 0; o < out; o++) {
        const g = Math.floor(o / outPerGroup);
        data[(t * inChannels + g * perGroup + i) * out + o] = w.data[(t * perGroup + i) * out + o];
      }
    }
  }
  return { name: w.name, shape: [kh, kw, inChannels, out], data };
}
