import { entry, intOrPair } from '../../config/schema/fragments.js';
import { chain, OpError, type GraphOp } from '../op.js';
import { image, pair, windowOutput } from '../shape-rules.js';
import { nodeFields } from './fields.js';

function pool(name: 'maxpool' | 'avgpool', description: string): GraphOp {
  return {
    name,
    description,
    arity: 'one',
    schema: entry('op', name, description, {
      ...nodeFields,
      kernel: intOrPair('Window size in pixels.', { minimum: 1 }),
      stride: intOrPair('Stride in pixels. Default: the kernel size, as PyTorch.', { minimum: 1 }),
      padding: intOrPair('Padding in pixels on each side (PyTorch allows at most half the kernel).', { minimum: 0, default: 0 }),
    }, ['kernel']),

    infer(node, [input]) {
      const [h, w, c] = image(input, name);
      const g = geometry(node.params);
      // PyTorch refuses more: a window could then hold padding alone (a max of -Infinity, an average of zeros).
      for (const a of [0, 1]) {
        if (g.padding[a] > Math.floor(g.kernel[a] / 2)) throw new OpError(`padding ${g.padding[a]} is over half the kernel ${g.kernel[a]} (${a === 0 ? 'height' : 'width'}): at most ${Math.floor(g.kernel[a] / 2)}, as PyTorch`);
      }
      const [oh, ow] = windowOutput(name, [h, w], g.kernel, g.stride, { before: g.padding, after: g.padding });
      return { shape: [oh, ow, c], trainable: 0, macs: 0 };
    },

    build({ tf, custom, name: layerName }, node) {
      const g = geometry(node.params);
      const options = { name: layerName, poolSize: [...g.kernel] as [number, number], strides: [...g.stride] as [number, number], padding: 'valid' as const };
      const layer = name === 'maxpool' ? tf.layers.maxPooling2d(options) : tf.layers.averagePooling2d(options);
      if (g.padding[0] === 0 && g.padding[1] === 0) return chain(layer);
      // Max pooling never picks a padded value (-Infinity); average pooling counts zeros, as PyTorch's count_include_pad.
      const pad = new custom.TorchPad2D({ name: `${layerName}/pad`, padding: [[g.padding[0], g.padding[0]], [g.padding[1], g.padding[1]]], value: name === 'maxpool' ? -Infinity : 0 });
      return chain(pad, layer);
    },
  };
}

function geometry(params: Readonly<Record<string, unknown>>) {
  const kernel = pair(params.kernel, 'kernel', 1);
  return { kernel, stride: params.stride === undefined ? kernel : pair(params.stride, 'stride', 1), padding: pair(params.padding ?? 0, 'padding', 0) };
}

export const maxpool = pool('maxpool', 'Max pooling, as torch.nn.MaxPool2d.');
export const avgpool = pool('avgpool', 'Average pooling, as torch.nn.AvgPool2d (padding counted in the average).');
