// torch.optim.Adam and AdamW (1.13, foreach=False), per parameter p with gradient g at step t:
//   Adam:  g = g + weight_decay * p          AdamW: p = p * (1 - lr * weight_decay)   (decoupled)
//   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g;  v_max = max(v_max, v)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v or v_max) / sqrt(1 - beta2^t) + eps)
// The bias corrections are computed in double precision once per step, as torch does in Python;
// eps is added outside the square root (tfjs's own Adam has no weight decay). Every other
// product, sum, quotient and root is rounded to float32 (fround) in torch's order.
import { bool, entry, plainNumber } from '../../config/schema/fragments.js';
import { betas, learningRate, weightDecay } from './fields.js';
import { SlotOptimizer, type OptimizerOp, type UpdateArrays } from './optimizer.js';
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
    create: (config, sizes) => new Adam(name === 'adamw', withDefaults<AdamSettings>(op, config), sizes),
  };
  return op;
}

export const adam = adamLike('adam', adamDescription, 0);
export const adamw = adamLike('adamw', adamwDescription, 1e-2);

class Adam extends SlotOptimizer {
  constructor(private readonly decoupled: boolean, private readonly s: AdamSettings, sizes: readonly number[]) {
    super(decoupled ? 'adamw' : 'adam', sizes, s.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']);
  }

  protected apply({ params: p, grads: g, slot, step, lr }: UpdateArrays): void {
    const f = Math.fround;
    const s = this.s;
    const [beta1, beta2] = s.betas;
    const [b1, b2, rest1, rest2, wd, eps] = [f(beta1), f(beta2), f(1 - beta1), f(1 - beta2), f(s.weight_decay), f(s.eps)];
    const stepSize = f(lr / (1 - beta1 ** step));
    const correction2Sqrt = f(Math.sqrt(1 - beta2 ** step));
    const decayKeep = f(1 - lr * s.weight_decay);
    const decay = s.weight_decay !== 0;
    const [shrink, l2] = [this.decoupled && decay, !this.decoupled && decay];
    const { exp_avg: m, exp_avg_sq: v, max_exp_avg_sq: vMax } = slot;
    const amsgrad = s.amsgrad;
    for (let i = 0; i < p.length; i++) {
      const pi = shrink ? f(p[i] * decayKeep) : p[i];
      const gi = l2 ? f(g[i] + f(pi * wd)) : g[i];
      const mi = f(f(m[i] * b1) + f(gi * rest1));
      // torch's addcmul computes value * g * g left to right.
      const vi = f(f(v[i] * b2) + f(f(gi * rest2) * gi));
      m[i] = mi;
      v[i] = vi;
      let second = vi;
      if (amsgrad) second = vMax[i] = Math.max(vMax[i], vi);
      const denom = f(f(f(Math.sqrt(second)) / correction2Sqrt) + eps);
      p[i] = f(pi - f(f(mi / denom) * stepSize));
    }
  }
}
