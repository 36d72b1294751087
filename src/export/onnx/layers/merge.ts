// Layers that join branches (pipe's add and concat) and the constant factor (scale).
import { onnxAxis, type LayerConverter, type Value } from '../layer-converter.js';
import { LayerRefusal } from '../refusal.js';

const shapeOf = (v: Value) => `[${v.shape.join(', ')}]`;

export const addLayer: LayerConverter = {
  className: 'Add',
  ops: ['add'],
  convert(ctx, inputs) {
    if (inputs.length < 2) throw new LayerRefusal(`Add needs two or more inputs, found ${inputs.length}`);
    const [first, ...rest] = inputs;
    for (const v of rest) if (shapeOf(v) !== shapeOf(first)) throw new LayerRefusal(`Add needs inputs of one shape, found ${shapeOf(first)} and ${shapeOf(v)}`);
    // tfjs adds left to right; so do these binary Adds (float sums depend on the order).
    let sum = first.name;
    rest.forEach((v, i) => {
      sum = ctx.emit('Add', [sum, v.name], {}, i === rest.length - 1 ? undefined : `sum${i + 1}`);
    });
    return { name: sum, shape: first.shape };
  },
};

export const concatLayer: LayerConverter = {
  className: 'Concatenate',
  ops: ['concat'],
  convert(ctx, inputs) {
    if (inputs.length < 2) throw new LayerRefusal(`Concatenate needs two or more inputs, found ${inputs.length}`);
    const [first] = inputs;
    const axis = ctx.axis('axis', -1);
    const onnx = onnxAxis(axis, first.shape);
    const logical = (axis < 0 ? axis + first.shape.length + 1 : axis) - 1;
    for (const v of inputs) {
      if (v.shape.length !== first.shape.length || v.shape.some((d, a) => a !== logical && d !== first.shape[a])) {
        throw new LayerRefusal(`Concatenate on axis ${axis} needs inputs alike on every other axis, found ${shapeOf(first)} and ${shapeOf(v)}`);
      }
    }
    const shape = first.shape.map((d, a) => (a === logical ? inputs.reduce((s, v) => s + v.shape[a], 0) : d));
    return { name: ctx.emit('Concat', inputs.map((v) => v.name), { axis: { i: onnx } }), shape };
  },
};

export const scaleLayer: LayerConverter = {
  className: 'PipeScale',
  ops: ['scale'],
  convert(ctx, [x]) {
    const factor = ctx.floats('factor', [], Float32Array.of(ctx.num('factor')));
    return { name: ctx.emit('Mul', [x.name, factor]), shape: x.shape };
  },
};
