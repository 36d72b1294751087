// torch.optim.SGD (1.13, foreach=False), per parameter p with gradient g:
//   d = g + weight_decay * p                       (L2 folded into the gradient)
//   buf = d on the first step, else momentum * buf + (1 - dampening) * d
//   d = d + momentum * buf if nesterov, else buf   (when momentum != 0)
//   p = p - lr * d
import type * as tfjs from '@tensorflow/tfjs';
import { bool, entry, plainNumber } from '../../config/schema/fragments.js';
import type { OptimizerConfig } from '../../config/types.js';
import { fusesSgdMomentum, SGD_MOMENTUM, type SgdMomentumAttrs } from '../../backend/fused_sgd.js';
import { inputError } from '../../errors.js';
import { learningRate, weightDecay } from './fields.js';
import { SlotOptimizer, type OptimizerOp, type TfModule, type UpdateInputs } from './optimizer.js';
import { withDefaults } from './settings.js';

const description = 'Stochastic gradient descent with momentum, as torch.optim.SGD (weight decay is L2 added to the gradient).';

interface SgdSettings {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weight_decay: number;
}

export const sgd: OptimizerOp = {
  name: 'sgd',
  description,
  schema: entry('type', 'sgd', description, {
    lr: learningRate(),
    momentum: plainNumber('Momentum factor.', { minimum: 0, default: 0 }),
    dampening: plainNumber('Dampening for momentum.', { minimum: 0, default: 0 }),
    nesterov: bool('Nesterov momentum (needs momentum > 0 and dampening 0).', false),
    weight_decay: weightDecay('L2 penalty added to the gradient: g += weight_decay * w.'),
  }, ['lr']),
  create: (tf, config, params) => new Sgd(tf, config, params),
};

class Sgd extends SlotOptimizer {
  private readonly s: SgdSettings;
  private readonly c: Record<'weightDecay' | 'momentum' | 'keep', tfjs.Scalar>;

  constructor(tf: TfModule, config: OptimizerConfig, params: readonly tfjs.Variable[]) {
    const s = withDefaults<SgdSettings>(sgd, config);
    if (s.nesterov && (s.momentum <= 0 || s.dampening !== 0)) {
      throw inputError('nesterov needs momentum > 0 and dampening 0 (as torch.optim.SGD)', { path: 'optimizer.nesterov' });
    }
    super(tf, 'sgd', params, s.momentum !== 0 ? ['momentum_buffer'] : []);
    this.s = s;
    this.c = { weightDecay: this.constant(s.weight_decay), momentum: this.constant(s.momentum), keep: this.constant(1 - s.dampening) };
  }

  /** This step's lr, for the fused kernel (the composition reads the scalar). */
  private lr = 0;

  protected stepScalars(lr: number): Record<string, tfjs.Scalar> {
    this.lr = lr;
    return { lr: this.tf.scalar(lr, 'float32') };
  }

  protected update({ param, grad, slot, step, consume }: UpdateInputs, { lr }: Record<string, tfjs.Scalar>): void {
    const tf = this.tf;
    if (this.s.momentum !== 0 && fusesSgdMomentum(tf)) {
      // The same update as below in one kernel, bit for bit (src/backend/fused_sgd.ts).
      const attrs: SgdMomentumAttrs = { lr: this.lr, momentum: this.s.momentum, dampening: this.s.dampening, weightDecay: this.s.weight_decay, first: step === 1, nesterov: this.s.nesterov, inPlace: consume };
      const [p, buf] = tf.engine().runKernel(SGD_MOMENTUM, { param, grad, buf: slot.momentum_buffer }, attrs as unknown as tfjs.NamedAttrMap) as tfjs.Tensor[];
      slot.momentum_buffer.assign(buf);
      param.assign(p);
      return;
    }
    let d = this.s.weight_decay !== 0 ? tf.add(grad, tf.mul(param, this.c.weightDecay)) : grad;
    if (this.s.momentum !== 0) {
      const buf = slot.momentum_buffer;
      const next = step === 1 ? d : tf.add(tf.mul(buf, this.c.momentum), this.s.dampening !== 0 ? tf.mul(d, this.c.keep) : d);
      buf.assign(next);
      d = this.s.nesterov ? tf.add(d, tf.mul(next, this.c.momentum)) : next;
    }
    param.assign(tf.sub(param, tf.mul(d, lr)));
  }
}
