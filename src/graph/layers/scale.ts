import * as tf from '@tensorflow/tfjs';

/** Multiplies by a constant (not trained): the 0.1 on an Inception-ResNet residual. */
export class Scale extends tf.layers.Layer {
  static readonly className = 'PipeScale';
  readonly factor: number;

  constructor(config: { factor: number; name?: string }) {
    super(config);
    this.factor = config.factor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.factor));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}
