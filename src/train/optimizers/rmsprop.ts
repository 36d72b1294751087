// torch.optim.RMSprop (1.13, foreach=False), per parameter p with gradient g:
//   g = g + weight_decay * p;  sq = alpha * sq + (1 - alpha) * g * g
//   centered: ga = alpha * ga + (1 - alpha) * g;  avg = sqrt(sq - ga * ga) + eps,  else sqrt(sq) + eps
//   momentum > 0: buf = momentum * buf + g / avg;  p = p - lr * buf,   else p = p - lr * g / avg
// eps sits outside the square root: tfjs's RMSprop puts it inside, which matters with eps = 1.
import type * as tfjs from '@tensorflow/tfjs';
import { fusesRmsprop, RMSPROP, type RmspropAttrs } from '../../backend/fused_rmsprop.js';
import { bool, entry, plainNumber } from '../../config/schema/fragments.js';
import type { OptimizerConfig } from '../../config/types.js';
import { learningRate, weightDecay } from './fields.js';
import { SlotOptimizer, type OptimizerOp, type TfModule, type UpdateInputs } from './optimizer.js';
import { withDefaults } from './settings.js';

const description = 'RMSprop, as torch.optim.RMSprop: eps is added outside the square root (tfjs puts it inside).';

interface RmspropSettings {
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weight_decay: number;
  readonly momentum: number;
  readonly centered: boolean;
}

export const rmsprop: OptimizerOp = {
  name: 'rmsprop',
  description,
  schema: entry('type', 'rmsprop', description, {
    lr: learningRate(1e-2),
    alpha: plainNumber('Smoothing constant of the squared-gradient average.', { minimum: 0, maximum: 1, default: 0.99 }),
    eps: plainNumber('Added to the denominator.', { exclusiveMinimum: 0, default: 1e-8 }),
    weight_decay: weightDecay('L2 penalty added to the gradient.'),
    momentum: plainNumber('Momentum factor.', { minimum: 0, default: 0 }),
    centered: bool('Normalise by the estimated variance of the gradient.', false),
  }),
  create: (tf, config, params) => new Rmsprop(tf, config, params),
};

class Rmsprop extends SlotOptimizer {
  private readonly s: RmspropSettings;
  private readonly c: Record<'weightDecay' | 'alpha' | 'oneMinusAlpha' | 'eps' | 'momentum', tfjs.Scalar>;

  constructor(tf: TfModule, config: OptimizerConfig, params: readonly tfjs.Variable[]) {
    const s = withDefaults<RmspropSettings>(rmsprop, config);
    super(tf, 'rmsprop', params, ['square_avg', ...(s.centered ? ['grad_avg'] : []), ...(s.momentum > 0 ? ['momentum_buffer'] : [])]);
    this.s = s;
    this.c = {
      weightDecay: this.constant(s.weight_decay),
      alpha: this.constant(s.alpha),
      oneMinusAlpha: this.constant(1 - s.alpha),
      eps: this.constant(s.eps),
      momentum: this.constant(s.momentum),
    };
  }

  /** This step's lr, for the fused kernel (the composition reads the scalar). */
  private lr = 0;

  protected stepScalars(lr: number): Record<string, tfjs.Scalar> {
    this.lr = lr;
    return { lr: this.tf.scalar(lr, 'float32') };
  }

  protected update({ param, grad, slot, consume }: UpdateInputs, { lr }: Record<string, tfjs.Scalar>): void {
    const tf = this.tf;
    if (fusesRmsprop(tf)) {
      // The same update as below in one kernel, bit for bit (src/backend/fused_rmsprop.ts).
      const { alpha, eps, weight_decay: weightDecay, momentum, centered } = this.s;
      const attrs: RmspropAttrs = { lr: this.lr, alpha, eps, weightDecay, momentum, centered, inPlace: consume };
      const inputs = { param, grad, squareAvg: slot.square_avg, ...(centered ? { gradAvg: slot.grad_avg } : {}), ...(momentum > 0 ? { momentumBuffer: slot.momentum_buffer } : {}) };
      const [p, ...slots] = tf.engine().runKernel(RMSPROP, inputs, attrs as unknown as tfjs.NamedAttrMap) as tfjs.Tensor[];
      // The kernel's outputs after the parameter: square_avg, then grad_avg and momentum_buffer where used.
      [slot.square_avg, ...(centered ? [slot.grad_avg] : []), ...(momentum > 0 ? [slot.momentum_buffer] : [])].forEach((v, i) => v.assign(slots[i]));
      param.assign(p);
      return;
    }
    const c = this.c;
    const g = this.s.weight_decay !== 0 ? tf.add(grad, tf.mul(param, c.weightDecay)) : grad;
    // torch's addcmul computes value * g * g left to right.
    const sq = tf.add(tf.mul(slot.square_avg, c.alpha), tf.mul(tf.mul(g, c.oneMinusAlpha), g));
    slot.square_avg.assign(sq);
    let variance: tfjs.Tensor = sq;
    if (this.s.centered) {
      const ga = tf.add(tf.mul(slot.grad_avg, c.alpha), tf.mul(g, c.oneMinusAlpha));
      slot.grad_avg.assign(ga);
      variance = tf.sub(sq, tf.mul(ga, ga));
    }
    const avg = tf.add(tf.sqrt(variance), c.eps);
    let d = tf.div(g, avg);
    if (this.s.momentum > 0) {
      d = tf.add(tf.mul(slot.momentum_buffer, c.momentum), d);
      slot.momentum_buffer.assign(d);
    }
    param.assign(tf.sub(param, tf.mul(d, lr)));
  }
}
