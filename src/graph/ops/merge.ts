// Ops that join branches: add, concat, scale (the 0.1 on an Inception-ResNet residual).
import { entry, num, type SchemaEntry } from '../../config/schema/fragments.js';
import { nodeFields } from './fields.js';

const addDescription = 'Elementwise sum of two or more inputs of the same shape (a residual connection).';
export const add: SchemaEntry = {
  name: 'add',
  description: addDescription,
  schema: entry('op', 'add', addDescription, { ...nodeFields }, ['from']),
};

const concatDescription = 'Concatenates inputs along channels; their height and width must match.';
export const concat: SchemaEntry = {
  name: 'concat',
  description: concatDescription,
  schema: entry('op', 'concat', concatDescription, { ...nodeFields }, ['from']),
};

const scaleDescription = 'Multiplies by a constant factor (not trained).';
export const scale: SchemaEntry = {
  name: 'scale',
  description: scaleDescription,
  schema: entry('op', 'scale', scaleDescription, { ...nodeFields, factor: num('The factor, e.g. 0.1.') }, ['factor']),
};
