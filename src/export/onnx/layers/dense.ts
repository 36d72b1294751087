// Dense (pipe's dense, on a flat input) and Flatten. tfjs flattens an image in NHWC order
// (h, then w, then c) while the ONNX graph holds it NCHW: Flatten transposes back first, so the
// dense kernel's rows keep the order they were trained in.
import { flatInput, type LayerConverter } from '../layer-converter.js';
import { withActivation } from './activations.js';

export const denseLayer: LayerConverter = {
  className: 'Dense',
  ops: ['dense'],
  convert(ctx, [x]) {
    const n = flatInput(x, 'Dense');
    const units = ctx.int('units', 1);
    // Gemm: y = x kernel + bias, kernel [n, units] as tfjs stores it.
    const inputs = [x.name, ctx.floats('kernel', [n, units], ctx.weight('kernel', [n, units]).data)];
    if (ctx.flag('use_bias', true)) inputs.push(ctx.floats('bias', [units], ctx.weight('bias', [units]).data));
    return withActivation(ctx, (suffix) => ctx.emit('Gemm', inputs, {}, suffix), [units]);
  },
};

export const flattenLayer: LayerConverter = {
  className: 'Flatten',
  ops: ['flatten'],
  convert(ctx, [x]) {
    const size = x.shape.reduce((a, b) => a * b, 1);
    const input = x.shape.length === 3 ? ctx.emit('Transpose', [x.name], { perm: { ints: [0, 2, 3, 1] } }, 'nhwc') : x.name;
    return { name: ctx.emit('Flatten', [input], { axis: { i: 1 } }), shape: [size] };
  },
};
