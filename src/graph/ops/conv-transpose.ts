import { bool, entry, int, intOrPair } from '../../config/schema/fragments.js';
import { chain, OpError, type GraphOp } from '../op.js';
import { image, pair, positiveInt } from '../shape-rules.js';
import { nodeFields, weightFields } from './fields.js';

const description = '2-D transposed convolution, as torch.nn.ConvTranspose2d: out = (in - 1) * stride - 2 * padding + kernel + output_padding.';

export const convTranspose: GraphOp = {
  name: 'conv_transpose',
  description,
  arity: 'one',
  schema: entry('op', 'conv_transpose', description, {
    ...nodeFields,
    filters: int('Output channels.', { minimum: 1 }),
    kernel: intOrPair('Kernel size in pixels.', { minimum: 1 }),
    stride: intOrPair('Stride in pixels.', { minimum: 1, default: 1 }),
    padding: intOrPair('Pixels removed from each side of the output, as PyTorch.', { minimum: 0, default: 0 }),
    output_padding: intOrPair('Pixels added to one side of the output.', { minimum: 0, default: 0 }),
    bias: bool('Whether the layer has a bias.', true),
    ...weightFields,
  }, ['filters', 'kernel']),

  infer(node, [input]) {
    const [h, w, c] = image(input, 'conv_transpose');
    const p = geometry(node.params);
    const out = [0, 1].map((a) => ((a === 0 ? h : w) - 1) * p.stride[a] - 2 * p.padding[a] + p.kernel[a] + p.outputPadding[a]);
    if (p.outputPadding.some((v, a) => v >= p.stride[a])) throw new OpError(`output_padding ${JSON.stringify(node.params.output_padding)} must be smaller than the stride ${JSON.stringify(node.params.stride ?? 1)}, as PyTorch`);
    if (out.some((v) => v < 1)) throw new OpError(`padding ${JSON.stringify(node.params.padding)} leaves no output from a ${h}x${w} input`);
    const weights = p.kernel[0] * p.kernel[1] * c * p.filters;
    return { shape: [out[0], out[1], p.filters], trainable: weights + (node.params.bias === false ? 0 : p.filters), macs: h * w * weights };
  },

  build({ custom, name }, node) {
    const p = geometry(node.params);
    const layer = new custom.TorchConv2DTranspose({
      name, filters: p.filters, kernelSize: [...p.kernel] as [number, number], strides: [...p.stride] as [number, number],
      padding: [...p.padding] as [number, number], outputPadding: [...p.outputPadding] as [number, number], useBias: node.params.bias !== false,
    });
    return { ...chain(layer), weighted: layer };
  },
};

function geometry(params: Readonly<Record<string, unknown>>) {
  return {
    filters: positiveInt(params.filters, 'filters'),
    kernel: pair(params.kernel, 'kernel', 1),
    stride: pair(params.stride ?? 1, 'stride', 1),
    padding: pair(params.padding ?? 0, 'padding', 0),
    outputPadding: pair(params.output_padding ?? 0, 'output_padding', 0),
  };
}
