// Ops that join branches: add, concat, and scale (the 0.1 on an Inception-ResNet residual).
import { entry, num } from '../../config/schema/fragments.js';
import { chain, OpError, type GraphOp } from '../op.js';
import { fmt } from '../shape-rules.js';
import { nodeFields } from './fields.js';

const addDescription = 'Elementwise sum of two or more inputs of the same shape (a residual connection).';
export const add: GraphOp = {
  name: 'add',
  description: addDescription,
  arity: 'many',
  schema: entry('op', 'add', addDescription, { ...nodeFields }, ['from']),
  infer(node, inputs) {
    const first = inputs[0];
    inputs.forEach((s, i) => {
      if (fmt(s) !== fmt(first)) throw new OpError(`add needs inputs of one shape: ${node.inputs[0]} is ${fmt(first)} but ${node.inputs[i]} is ${fmt(s)}`);
    });
    return { shape: first, trainable: 0, macs: 0 };
  },
  build: ({ tf, name }) => chain(tf.layers.add({ name })),
};

const multiplyDescription = 'Elementwise product of two or more inputs: of one shape, or a [1, 1, c] gate and a [h, w, c] map (squeeze-and-excitation).';
export const multiply: GraphOp = {
  name: 'multiply',
  description: multiplyDescription,
  arity: 'many',
  schema: entry('op', 'multiply', multiplyDescription, { ...nodeFields }, ['from']),
  infer(node, inputs) {
    // NumPy broadcasting restricted to what the models need: an axis of 1 against any size.
    const rank = inputs[0].length;
    const out = inputs[0].map((_, a) => Math.max(...inputs.map((s) => s[a] ?? 1)));
    inputs.forEach((s, i) => {
      if (s.length !== rank || s.some((v, a) => v !== out[a] && v !== 1)) {
        throw new OpError(`multiply needs inputs of one shape, or of 1 where they differ: ${node.inputs[0]} is ${fmt(inputs[0])} but ${node.inputs[i]} is ${fmt(s)}`);
      }
    });
    return { shape: out, trainable: 0, macs: 0 };
  },
  build: ({ tf, name }) => chain(tf.layers.multiply({ name })),
};

const concatDescription = 'Concatenates inputs along channels; their height and width must match.';
export const concat: GraphOp = {
  name: 'concat',
  description: concatDescription,
  arity: 'many',
  schema: entry('op', 'concat', concatDescription, { ...nodeFields }, ['from']),
  infer(node, inputs) {
    const first = inputs[0];
    inputs.forEach((s, i) => {
      if (s.length !== first.length || s.slice(0, -1).some((v, a) => v !== first[a])) {
        const what = first.length === 3 ? 'height and width' : 'rank';
        throw new OpError(`concat needs inputs of one ${what}: ${node.inputs[0]} is ${fmt(first)} but ${node.inputs[i]} is ${fmt(s)}`);
      }
    });
    return { shape: [...first.slice(0, -1), inputs.reduce((sum, s) => sum + s[s.length - 1], 0)], trainable: 0, macs: 0 };
  },
  build: ({ tf, name }) => chain(tf.layers.concatenate({ name, axis: -1 })),
};

const scaleDescription = 'Multiplies by a constant factor (not trained).';
export const scale: GraphOp = {
  name: 'scale',
  description: scaleDescription,
  arity: 'one',
  schema: entry('op', 'scale', scaleDescription, { ...nodeFields, factor: num('The factor, e.g. 0.1.') }, ['factor']),
  infer(node, [input]) {
    if (typeof node.params.factor !== 'number') throw new OpError(`factor must be a number, found ${JSON.stringify(node.params.factor)}`);
    return { shape: input, trainable: 0, macs: 0 };
  },
  build: ({ custom, name }, node) => chain(new custom.Scale({ name, factor: node.params.factor as number })),
};
