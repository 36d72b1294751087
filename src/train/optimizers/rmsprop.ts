// torch.optim.RMSprop (1.13, foreach=False), per parameter p with gradient g:
//   g = g + weight_decay * p;  sq = alpha * sq + (1 - alpha) * g * g
//   centered: ga = alpha * ga + (1 - alpha) * g;  avg = sqrt(sq - ga * ga) + eps,  else sqrt(sq) + eps
//   momentum > 0: buf = momentum * buf + g / avg;  p = p - lr * buf,   else p = p - lr * g / avg
// eps sits outside the square root: tfjs's RMSprop puts it inside, which matters with eps = 1.
// Every product, sum, quotient and root is rounded to float32 (fround) in torch's order.
import { bool, entry, plainNumber } from '../../config/schema/fragments.js';
import type { OptimizerConfig } from '../../config/types.js';
import { learningRate, weightDecay } from './fields.js';
import { SlotOptimizer, type OptimizerOp, type UpdateArrays } from './optimizer.js';
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
  create: (config, sizes) => new Rmsprop(config, sizes),
};

class Rmsprop extends SlotOptimizer {
  private readonly s: RmspropSettings;

  constructor(config: OptimizerConfig, sizes: readonly number[]) {
    const s = withDefaults<RmspropSettings>(rmsprop, config);
    super('rmsprop', sizes, ['square_avg', ...(s.centered ? ['grad_avg'] : []), ...(s.momentum > 0 ? ['momentum_buffer'] : [])]);
    this.s = s;
  }

  protected apply({ params: p, grads: g, slot, lr }: UpdateArrays): void {
    const f = Math.fround;
    const s = this.s;
    const [decay, centered, withMomentum] = [s.weight_decay !== 0, s.centered, s.momentum > 0];
    const [wd, alpha, rest, eps, momentum, rate] = [f(s.weight_decay), f(s.alpha), f(1 - s.alpha), f(s.eps), f(s.momentum), f(lr)];
    const { square_avg: sq, grad_avg: ga, momentum_buffer: buf } = slot;
    for (let i = 0; i < p.length; i++) {
      const gi = decay ? f(g[i] + f(p[i] * wd)) : g[i];
      // torch's addcmul computes value * g * g left to right.
      const sqi = f(f(sq[i] * alpha) + f(f(gi * rest) * gi));
      sq[i] = sqi;
      let variance = sqi;
      if (centered) {
        const gai = f(f(ga[i] * alpha) + f(gi * rest));
        ga[i] = gai;
        variance = f(sqi - f(gai * gai));
      }
      let d = f(gi / f(f(Math.sqrt(variance)) + eps));
      if (withMomentum) d = buf[i] = f(f(buf[i] * momentum) + d);
      p[i] = f(p[i] - f(d * rate));
    }
  }
}
