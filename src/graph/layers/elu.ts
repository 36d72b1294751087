import * as tf from '@tensorflow/tfjs';

/** ELU with any alpha, as torch.nn.ELU: x if x > 0 else alpha * (exp(x) - 1). tf.layers' ELU
 *  refuses alpha != 1. Written as relu(x) + alpha * min(elu(x), 0): tf.elu is exp(x) - 1 below
 *  zero, so the gradient is tfjs's own elu gradient scaled by alpha there, and 1 above. */
export class Elu extends tf.layers.Layer {
  static readonly className = 'PipeELU';
  readonly alpha: number;

  constructor(config: { alpha: number; name?: string }) {
    super(config);
    this.alpha = config.alpha;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.add(tf.relu(x), tf.mul(tf.minimum(tf.elu(x), 0), this.alpha)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}
