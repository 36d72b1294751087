import { entry, intOrPair } from '../../config/schema/fragments.js';
import { chain, type GraphOp } from '../op.js';
import { image, pair } from '../shape-rules.js';
import { nodeFields } from './fields.js';

const description = 'Average pooling to a fixed [height, width], as torch.nn.AdaptiveAvgPool2d: bin i of an axis of n pixels averages pixels floor(i * n / size) to ceil((i + 1) * n / size); a size above n repeats pixels.';

export const adaptiveAvgpool: GraphOp = {
  name: 'adaptive_avgpool',
  description,
  arity: 'one',
  schema: entry('op', 'adaptive_avgpool', description, {
    ...nodeFields,
    size: intOrPair('Output height and width in pixels: s or [height, width]. 1 keeps the image shape [1, 1, c], where global_avgpool flattens.', { minimum: 1 }),
  }, ['size']),
  infer(node, [input]) {
    const [, , c] = image(input, 'adaptive_avgpool');
    const [h, w] = pair(node.params.size, 'size', 1);
    return { shape: [h, w, c], trainable: 0, macs: 0 };
  },
  build: ({ custom, name }, node) => chain(new custom.TorchAdaptiveAvgPool2D({ name, size: [...pair(node.params.size, 'size', 1)] })),
};
