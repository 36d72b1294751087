import { bool, entry, int, oneOfStrings } from '../../config/schema/fragments.js';
import { chain, type GraphOp } from '../op.js';
import { positiveInt } from '../shape-rules.js';
import { flat } from './activations.js';
import { nodeFields, weightFields } from './fields.js';

const description = 'Fully connected layer, as torch.nn.Linear, on a flat input.';

export const dense: GraphOp = {
  name: 'dense',
  description,
  arity: 'one',
  schema: entry('op', 'dense', description, {
    ...nodeFields,
    units: int('Output features.', { minimum: 1 }),
    bias: bool('Whether the layer has a bias.', true),
    activation: oneOfStrings('An activation fused after the layer.', ['none', 'relu', 'sigmoid', 'tanh', 'softmax'], 'none'),
    ...weightFields,
  }, ['units']),

  infer(node, [input]) {
    const n = flat(input, 'dense');
    const units = positiveInt(node.params.units, 'units');
    return { shape: [units], trainable: n * units + (node.params.bias === false ? 0 : units), macs: n * units };
  },

  build({ tf, name }, node) {
    const activation = node.params.activation === 'none' || node.params.activation === undefined ? 'linear' : (node.params.activation as 'relu');
    const layer = tf.layers.dense({ name, units: Number(node.params.units), useBias: node.params.bias !== false, activation, kernelInitializer: 'zeros', biasInitializer: 'zeros' });
    return { ...chain(layer), weighted: layer };
  },
};
