import { bool, entry, intOrPair } from '../../config/schema/fragments.js';
import { chain, OpError, type GraphOp } from '../op.js';
import { image, pair, type Pair } from '../shape-rules.js';
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
      // No schema defaults for these two: filled in, they would change every existing pool's stage key.
      ceil_mode: bool('Round the output size up, as PyTorch: a last, partial window is kept if it starts inside the input or its left padding. Default false.'),
      ...(name === 'avgpool' ? { count_include_pad: bool('Count padded zeros in the average (PyTorch\'s default); false: divide by the input pixels in the window only. Default true.') } : {}),
    }, ['kernel']),

    infer(node, [input]) {
      const [h, w, c] = image(input, name);
      const g = geometry(node.params);
      // PyTorch refuses more: a window could then hold padding alone (a max of -Infinity, an average of zeros).
      for (const a of [0, 1]) {
        if (g.padding[a] > Math.floor(g.kernel[a] / 2)) throw new OpError(`padding ${g.padding[a]} is over half the kernel ${g.kernel[a]} (${a === 0 ? 'height' : 'width'}): at most ${Math.floor(g.kernel[a] / 2)}, as PyTorch`);
      }
      const [oh, ow] = [0, 1].map((a) => poolOutput(name, [h, w][a], g, a as 0 | 1, [h, w]));
      return { shape: [oh, ow, c], trainable: 0, macs: 0 };
    },

    build({ tf, custom, name: layerName, inputs }, node) {
      const g = geometry(node.params);
      const [h, w] = inputs[0];
      // Rows and columns past the padding that ceil_mode's last windows reach.
      const extra: Pair = [0, 1].map((a) => {
        const size = [h, w][a];
        return Math.max(0, (poolOutput(name, size, g, a as 0 | 1, [h, w]) - 1) * g.stride[a] + g.kernel[a] - size - 2 * g.padding[a]);
      }) as unknown as Pair;
      const options = { name: layerName, poolSize: [...g.kernel] as [number, number], strides: [...g.stride] as [number, number], padding: 'valid' as const };
      if (name === 'avgpool' && (extra[0] > 0 || extra[1] > 0 || (node.params.count_include_pad === false && (g.padding[0] > 0 || g.padding[1] > 0)))) {
        return chain(new custom.TorchAvgPool2D({ name: layerName, kernel: [...g.kernel], stride: [...g.stride], padding: [...g.padding], extra: [...extra], countIncludePad: node.params.count_include_pad !== false }));
      }
      const layer = name === 'maxpool' ? tf.layers.maxPooling2d(options) : tf.layers.averagePooling2d(options);
      if (g.padding[0] === 0 && g.padding[1] === 0 && extra[0] === 0 && extra[1] === 0) return chain(layer);
      // Max pooling never picks a padded value (-Infinity); average pooling counts zeros, as PyTorch's count_include_pad.
      const padding: [[number, number], [number, number]] = [[g.padding[0], g.padding[0] + extra[0]], [g.padding[1], g.padding[1] + extra[1]]];
      return chain(new custom.TorchPad2D({ name: `${layerName}/pad`, padding, value: name === 'maxpool' ? -Infinity : 0 }), layer);
    },
  };
}

interface PoolGeometry {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceil: boolean;
}

function geometry(params: Readonly<Record<string, unknown>>): PoolGeometry {
  const kernel = pair(params.kernel, 'kernel', 1);
  return { kernel, stride: params.stride === undefined ? kernel : pair(params.stride, 'stride', 1), padding: pair(params.padding ?? 0, 'padding', 0), ceil: params.ceil_mode === true };
}

/**
 * PyTorch's pooling output size along one axis: (size + 2p - k) / s + 1, rounded down, or up with
 * ceil_mode, where a last window must start inside the input or its left padding (else dropped).
 */
export function poolOutput(op: string, size: number, g: PoolGeometry, a: 0 | 1, input: Pair): number {
  const span = size + 2 * g.padding[a] - g.kernel[a];
  if (span < 0) {
    const padded = g.padding[0] + g.padding[1] ? ` (padded ${input[0] + 2 * g.padding[0]}x${input[1] + 2 * g.padding[1]})` : '';
    throw new OpError(`${op} kernel ${g.kernel[0]}x${g.kernel[1]} is larger than its input ${input[0]}x${input[1]}${padded}`);
  }
  let out = (g.ceil ? Math.ceil(span / g.stride[a]) : Math.floor(span / g.stride[a])) + 1;
  if (g.ceil && (out - 1) * g.stride[a] >= size + g.padding[a]) out--;
  return out;
}

export const maxpool = pool('maxpool', 'Max pooling, as torch.nn.MaxPool2d.');
export const avgpool = pool('avgpool', 'Average pooling, as torch.nn.AvgPool2d (padding counted in the average unless count_include_pad is false).');
