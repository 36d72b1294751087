import { bool, entry, num } from '../../config/schema/fragments.js';
import { chain, type GraphOp } from '../op.js';
import { nodeFields } from './fields.js';

const description = 'Batch normalisation over channels, as torch.nn.BatchNorm2d (or BatchNorm1d after dense).';

export const batchnorm: GraphOp = {
  name: 'batchnorm',
  description,
  arity: 'one',
  schema: entry('op', 'batchnorm', description, {
    ...nodeFields,
    momentum: num('PyTorch momentum of the running statistics: running = (1 - m) * running + m * batch.', { minimum: 0, maximum: 1, default: 0.1 }),
    eps: num('Added to the variance before the square root.', { exclusiveMinimum: 0, default: 1e-5 }),
    // No schema default: a filled `affine: true` would change every existing batchnorm's stage key.
    affine: bool('Learn a per-channel scale and shift (gamma, beta), as PyTorch\'s default; false: normalise only (no parameters). Default true.'),
  }),

  infer(node, [input]) {
    const c = input[input.length - 1];
    return { shape: input, trainable: node.params.affine === false ? 0 : 2 * c, macs: 0 };
  },

  build({ custom, name }, node) {
    // tfjs's momentum is PyTorch's 1 - momentum: running = m * running + (1 - m) * batch.
    // BatchNorm: tf.layers' BatchNormalization with a fused training step (src/graph/layers/batchnorm.ts).
    const layer = new custom.BatchNorm({ name, axis: -1, momentum: 1 - Number(node.params.momentum ?? 0.1), epsilon: Number(node.params.eps ?? 1e-5), affine: node.params.affine !== false });
    return chain(layer);
  },
};
