import * as tf from '@tensorflow/tfjs';

/**
 * Dropout whose masks are a function of (seed, layer, training step): tf.layers.dropout seeds
 * from Math.random, which would make two runs of one pipeline differ. The training loop moves
 * the shared clock before each step (dropoutClock.step = global step), so a resumed run draws the
 * same masks as an uninterrupted one.
 */
export const dropoutClock = { step: 0 };

export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'PipeSeededDropout';
  readonly rate: number;
  readonly seed: number;

  constructor(config: { rate: number; seed: number; name?: string }) {
    super(config);
    this.rate = config.rate;
    this.seed = config.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    return tf.tidy(() => {
      // 2^31 - 1 keeps the seed an exact integer for tfjs's seeded generator.
      const seed = (this.seed * 1_000_003 + dropoutClock.step * 7919) % 2147483647;
      const keep = tf.step(tf.sub(tf.randomUniform(x.shape, 0, 1, 'float32', seed), this.rate));
      return tf.mul(x, tf.mul(keep, 1 / (1 - this.rate)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
