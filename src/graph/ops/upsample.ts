import { entry, int, oneOfStrings } from '../../config/schema/fragments.js';
import { chain, type GraphOp } from '../op.js';
import { image, positiveInt } from '../shape-rules.js';
import { nodeFields } from './fields.js';

const description = 'Enlarges height and width by an integer factor, as torch.nn.Upsample (bilinear: align_corners=False).';

export const upsample: GraphOp = {
  name: 'upsample',
  description,
  arity: 'one',
  schema: entry('op', 'upsample', description, {
    ...nodeFields,
    scale_factor: int('Factor for height and width.', { minimum: 1, default: 2 }),
    mode: oneOfStrings('Interpolation.', ['nearest', 'bilinear'], 'nearest'),
  }),
  infer(node, [input]) {
    const [h, w, c] = image(input, 'upsample');
    const f = positiveInt(node.params.scale_factor ?? 2, 'scale_factor');
    return { shape: [h * f, w * f, c], trainable: 0, macs: 0 };
  },
  build({ custom, name }, node) {
    const f = Number(node.params.scale_factor ?? 2);
    return chain(new custom.TorchUpsample2D({ name, factor: f, mode: node.params.mode === 'bilinear' ? 'bilinear' : 'nearest' }));
  },
};
