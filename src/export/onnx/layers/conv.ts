// Convolutions: tf.layers' Conv2D (pipe's conv; its PyTorch padding is a PipeTorchPad2D layer
// before it), the engine's PyTorch-style transposed conv, and that pad layer. tfjs kernels are
// [kh, kw, in, out] (Conv2D) and [kh, kw, out, in] (the transposed conv); ONNX wants
// [out, in, kh, kw] for Conv and [in, out, kh, kw] for ConvTranspose: one transpose each.
import { imageInput, type LayerConverter } from '../layer-converter.js';
import { permute } from '../onnx-graph.js';
import { LayerRefusal } from '../refusal.js';
import { withActivation } from './activations.js';

/** Output length and [before, after] padding of a window over `size` pixels, as tfjs pads. */
export function window(size: number, kernel: number, stride: number, dilation: number, padding: 'valid' | 'same', axis: string): { out: number; pads: [number, number] } {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'same') {
    // TF's SAME: ceil(size / stride) outputs, the odd pixel of padding after.
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + span - size, 0);
    return { out, pads: [Math.floor(total / 2), total - Math.floor(total / 2)] };
  }
  if (span > size) throw new LayerRefusal(`a ${span}-pixel window does not fit the input's ${size} pixels of ${axis}`);
  return { out: Math.floor((size - span) / stride) + 1, pads: [0, 0] };
}

export const conv2dLayer: LayerConverter = {
  className: 'Conv2D',
  ops: ['conv'],
  convert(ctx, [x]) {
    const [h, w, c] = imageInput(x, 'Conv2D');
    ctx.choice('data_format', ['channels_last'], 'channels_last');
    const filters = ctx.int('filters', 1);
    const [kh, kw] = ctx.pair('kernel_size', 1);
    const strides = ctx.pair('strides', 1, [1, 1]);
    const dilations = ctx.pair('dilation_rate', 1, [1, 1]);
    const padding = ctx.choice('padding', ['valid', 'same'], 'valid');
    const rows = window(h, kh, strides[0], dilations[0], padding, 'height');
    const cols = window(w, kw, strides[1], dilations[1], padding, 'width');
    const kernel = ctx.weight('kernel', [kh, kw, c, filters]);
    const inputs = [x.name, ctx.floats('kernel', [filters, c, kh, kw], permute(kernel.data, kernel.shape, [3, 2, 0, 1]))];
    if (ctx.flag('use_bias', true)) inputs.push(ctx.floats('bias', [filters], ctx.weight('bias', [filters]).data));
    const attrs = {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: strides },
      dilations: { ints: dilations },
      pads: { ints: [rows.pads[0], cols.pads[0], rows.pads[1], cols.pads[1]] },
    };
    return withActivation(ctx, (suffix) => ctx.emit('Conv', inputs, attrs, suffix), [rows.out, cols.out, filters]);
  },
};

export const torchConvTransposeLayer: LayerConverter = {
  className: 'PipeTorchConv2DTranspose',
  ops: ['conv_transpose'],
  convert(ctx, [x]) {
    const [h, w, c] = imageInput(x, 'PipeTorchConv2DTranspose');
    const filters = ctx.int('filters', 1);
    const [kh, kw] = ctx.pair('kernel_size', 1);
    const strides = ctx.pair('strides', 1, [1, 1]);
    const padding = ctx.pair('padding', 0, [0, 0]);
    const outputPadding = ctx.pair('output_padding', 0, [0, 0]);
    // torch.nn.ConvTranspose2d's size, which ONNX's ConvTranspose computes from the same attributes.
    const out = [0, 1].map((a) => ((a === 0 ? h : w) - 1) * strides[a] - 2 * padding[a] + (a === 0 ? kh : kw) + outputPadding[a]);
    if (out.some((v) => v < 1)) throw new LayerRefusal(`padding [${padding.join(', ')}] leaves no output from a ${h}x${w} input`);
    const kernel = ctx.weight('kernel', [kh, kw, filters, c]);
    const inputs = [x.name, ctx.floats('kernel', [c, filters, kh, kw], permute(kernel.data, kernel.shape, [3, 2, 0, 1]))];
    if (ctx.flag('use_bias', true)) inputs.push(ctx.floats('bias', [filters], ctx.weight('bias', [filters]).data));
    const name = ctx.emit('ConvTranspose', inputs, {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: strides },
      pads: { ints: [padding[0], padding[1], padding[0], padding[1]] },
      output_padding: { ints: outputPadding },
    });
    return { name, shape: [out[0], out[1], filters] };
  },
};

export const torchPadLayer: LayerConverter = {
  className: 'PipeTorchPad2D',
  ops: ['conv', 'maxpool', 'avgpool'],
  convert(ctx, [x]) {
    const [h, w, c] = imageInput(x, 'PipeTorchPad2D');
    const p = ctx.layer.config.padding;
    const ok = Array.isArray(p) && p.length === 2 && p.every((s) => Array.isArray(s) && s.length === 2 && s.every((v) => Number.isSafeInteger(v) && v >= 0));
    if (!ok) throw new LayerRefusal(`config.padding is ${JSON.stringify(p)?.slice(0, 80) ?? 'missing'}; the export needs [[top, bottom], [left, right]] in whole pixels`);
    const [[top, bottom], [left, right]] = p as [[number, number], [number, number]];
    // A max pool's -Infinity is a string in model.json (JSON has no infinities), snake-cased as
    // tfjs stores every string of a config: "-_infinity".
    const raw = ctx.layer.config.value ?? 0;
    const value = typeof raw === 'string' && /^-?_?infinity$/i.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : raw;
    if (typeof value !== 'number' || Number.isNaN(value)) throw new LayerRefusal(`config.value is ${JSON.stringify(raw)?.slice(0, 80)}; the export needs a number or "-_infinity"`);
    const pads = ctx.int64s('pads', [0, 0, top, left, 0, 0, bottom, right]);
    const name = ctx.emit('Pad', [x.name, pads, ctx.floats('value', [], Float32Array.of(value))], { mode: { s: 'constant' } });
    return { name, shape: [h + top + bottom, w + left + right, c] };
  },
};
