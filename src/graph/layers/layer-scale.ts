// Layer scale (ConvNeXt, CaiT): a learnable per-channel factor, gamma * x, gamma starting at a
// constant (torchvision's ConvNeXt: 1e-6). One weight per channel of the last axis.
import * as tf from '@tensorflow/tfjs';

export class LayerScale extends tf.layers.Layer {
  static readonly className = 'PipeLayerScale';
  readonly value: number;
  private gamma?: tf.LayerVariable;

  constructor(config: { value: number; name?: string }) {
    super(config);
    this.value = config.value;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = inputShape as tf.Shape;
    this.gamma = this.addWeight('gamma', [s[s.length - 1] as number], 'float32', tf.initializers.constant({ value: this.value }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.gamma!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), value: this.value };
  }
}
