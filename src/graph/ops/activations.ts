// Elementwise activations: one schema each, no parameters beyond the ones named.
import { entry, num, type SchemaEntry } from '../../config/schema/fragments.js';
import { nodeFields } from './fields.js';

function simple(name: string, description: string): SchemaEntry {
  return { name, description, schema: entry('op', name, description, { ...nodeFields }) };
}

export const relu = simple('relu', 'max(x, 0).');
export const sigmoid = simple('sigmoid', '1 / (1 + exp(-x)).');
export const tanh = simple('tanh', 'Hyperbolic tangent.');
export const identity = simple('identity', 'Passes its input through unchanged (a named junction).');
export const flatten = simple('flatten', 'Flattens [h, w, c] to [h * w * c] (channels last; PyTorch flattens [c, h, w]).');
export const globalAvgpool = simple('global_avgpool', 'Mean over height and width: [h, w, c] -> [c], as AdaptiveAvgPool2d(1) + flatten.');

const leakyDescription = 'x if x > 0 else negative_slope * x.';
export const leakyRelu: SchemaEntry = {
  name: 'leaky_relu',
  description: leakyDescription,
  schema: entry('op', 'leaky_relu', leakyDescription, { ...nodeFields, negative_slope: num('Slope for x < 0.', { default: 0.01 }) }),
};

const eluDescription = 'x if x > 0 else alpha * (exp(x) - 1).';
export const elu: SchemaEntry = {
  name: 'elu',
  description: eluDescription,
  schema: entry('op', 'elu', eluDescription, { ...nodeFields, alpha: num('Scale of the negative part.', { default: 1 }) }),
};

const softmaxDescription = 'Softmax over the last axis.';
export const softmax: SchemaEntry = {
  name: 'softmax',
  description: softmaxDescription,
  schema: entry('op', 'softmax', softmaxDescription, { ...nodeFields }),
};
