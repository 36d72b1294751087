// torchvision.ops.StochasticDepth: while training, zeroes a residual branch with probability p,
// per image (row) or for the whole batch (batch), and scales what survives by 1 / (1 - p); the
// identity in evaluation. Its draws follow dropout's clock (dropout.ts): a function of the seed,
// the layer and the training step, so a resumed run draws what an uninterrupted one did.
import * as tf from '@tensorflow/tfjs';
import { dropoutClock } from './dropout.js';

export type StochasticDepthMode = 'row' | 'batch';

export class StochasticDepth extends tf.layers.Layer {
  static readonly className = 'PipeStochasticDepth';
  readonly p: number;
  readonly mode: StochasticDepthMode;
  readonly seed: number;

  constructor(config: { p: number; mode: StochasticDepthMode; seed: number; name?: string }) {
    super(config);
    this.p = config.p;
    this.mode = config.mode;
    this.seed = config.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.p === 0) return x;
    return tf.tidy(() => {
      const shape = [this.mode === 'row' ? x.shape[0] : 1, ...x.shape.slice(1).map(() => 1)];
      const seed = (this.seed * 1_000_003 + dropoutClock.step * 7919) % 2147483647;
      const keep = tf.step(tf.sub(tf.randomUniform(shape, 0, 1, 'float32', seed), this.p));
      // p = 1 drops every branch; PyTorch then leaves the zeros unscaled.
      return tf.mul(x, this.p < 1 ? tf.div(keep, 1 - this.p) : keep);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), p: this.p, mode: this.mode, seed: this.seed };
  }
}
