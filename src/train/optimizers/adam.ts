// torch.optim.Adam and AdamW (1.13, foreach=False), per parameter p with gradient g at step t:
//   Adam:  g = g + weight_decay * p          AdamW: p = p * (1 - lr * weight_decay)   (decoupled)
//   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g;  v_max = max(v_max, v)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v or v_max) / sqrt(1 - beta2^t) + eps)
// The bias corrections are computed in double precision once per step, as torch does in Python;
// eps is added outside the square root (tfjs's own Adam has no weight decay).
import type * as tfjs from '@tensorflow/tfjs';
import { ADAM, fusesAdam, type AdamAttrs } from '../../backend/fused_adam.js';
import { bool, entry, plainNumber } from '../../config/schema/fragments.js';
import { betas, learningRate, weightDecay } from './fields.js';
import { SlotOptimizer, type OptimizerOp, type TfModule, type UpdateInputs } from './optimizer.js';
import { withDefaults } from './settings.js';

const adamDescription = 'Adam, as torch.optim.Adam (weight decay is L2 added to the gradient).';
const adamwDescription = 'AdamW, as torch.optim.AdamW (decoupled weight decay: w -= lr * weight_decay * w).';

interface AdamSettings {
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weight_decay: number;
  readonly amsgrad: boolean;
}

function adamLike(name: 'adam' | 'adamw', description: string, decay: number): OptimizerOp {
  const op: OptimizerOp = {
    name,
    description,
    schema: entry('type', name, description, {
      lr: learningRate(1e-3),
      betas: betas(),
      eps: plainNumber('Added to the denominator, outside the square root.', { exclusiveMinimum: 0, default: 1e-8 }),
      weight_decay: weightDecay(name === 'adam' ? 'L2 penalty added to the gradient.' : 'Decoupled weight decay factor.', decay),
      amsgrad: bool('Use the maximum of past second moments (AMSGrad).', false),
    }),
    create: (tf, config, params) => new Adam(tf, name === 'adamw', withDefaults<AdamSettings>(op, config), params),
  };
  return op;
}

export const adam = adamLike('adam', adamDescription, 0);
export const adamw = adamLike('adamw', adamwDescription, 1e-2);

type Constant = 'weightDecay' | 'beta1' | 'beta2' | 'oneMinusBeta1' | 'oneMinusBeta2' | 'eps';

class Adam extends SlotOptimizer {
  private readonly c: Record<Constant, tfjs.Scalar>;

  constructor(tf: TfModule, private readonly decoupled: boolean, private readonly s: AdamSettings, params: readonly tfjs.Variable[]) {
    super(tf, decoupled ? 'adamw' : 'adam', params, s.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']);
    const [beta1, beta2] = s.betas;
    this.c = {
      weightDecay: this.constant(s.weight_decay),
      beta1: this.constant(beta1),
      beta2: this.constant(beta2),
      oneMinusBeta1: this.constant(1 - beta1),
      oneMinusBeta2: this.constant(1 - beta2),
      eps: this.constant(s.eps),
    };
  }

  /** This step's scalars as doubles, for the fused kernel (the composition reads them as float32 scalars). */
  private attrs: AdamAttrs | null = null;

  protected stepScalars(lr: number, step: number): Record<string, tfjs.Scalar> {
    const [beta1, beta2] = this.s.betas;
    const [stepSize, correction2Sqrt, decayKeep] = [lr / (1 - beta1 ** step), Math.sqrt(1 - beta2 ** step), 1 - lr * this.s.weight_decay];
    const { weight_decay: weightDecay, eps, amsgrad } = this.s;
    this.attrs = { stepSize, correction2Sqrt, decayKeep, weightDecay, beta1, beta2, eps, decoupled: this.decoupled, amsgrad };
    const scalar = (x: number) => this.tf.scalar(x, 'float32');
    return { stepSize: scalar(stepSize), correction2Sqrt: scalar(correction2Sqrt), decayKeep: scalar(decayKeep) };
  }

  protected update({ param, grad, slot, consume }: UpdateInputs, k: Record<string, tfjs.Scalar>): void {
    const tf = this.tf;
    if (fusesAdam(tf)) {
      // The same update as below in one kernel, bit for bit (src/backend/fused_adam.ts).
      const inputs = { param, grad, expAvg: slot.exp_avg, expAvgSq: slot.exp_avg_sq, ...(this.s.amsgrad ? { maxExpAvgSq: slot.max_exp_avg_sq } : {}) };
      const [p, m, v, vMax] = tf.engine().runKernel(ADAM, inputs, { ...this.attrs, inPlace: consume } as unknown as tfjs.NamedAttrMap) as tfjs.Tensor[];
      slot.exp_avg.assign(m);
      slot.exp_avg_sq.assign(v);
      if (this.s.amsgrad) slot.max_exp_avg_sq.assign(vMax);
      param.assign(p);
      return;
    }
    const c = this.c;
    const decay = this.s.weight_decay !== 0;
    const p = this.decoupled && decay ? tf.mul(param, k.decayKeep) : param;
    const g = !this.decoupled && decay ? tf.add(grad, tf.mul(p, c.weightDecay)) : grad;
    const m = tf.add(tf.mul(slot.exp_avg, c.beta1), tf.mul(g, c.oneMinusBeta1));
    // torch's addcmul computes value * g * g left to right.
    const v = tf.add(tf.mul(slot.exp_avg_sq, c.beta2), tf.mul(tf.mul(g, c.oneMinusBeta2), g));
    slot.exp_avg.assign(m);
    slot.exp_avg_sq.assign(v);
    let second = v;
    if (this.s.amsgrad) {
      second = tf.maximum(slot.max_exp_avg_sq, v);
      slot.max_exp_avg_sq.assign(second);
    }
    const denom = tf.add(tf.div(tf.sqrt(second), k.correction2Sqrt), c.eps);
    param.assign(tf.sub(p, tf.mul(tf.div(m, denom), k.stepSize)));
  }
}
