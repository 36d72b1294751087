// torch.nn.ChannelShuffle (ShuffleNet): channels as [groups, c / groups], transposed to
// [c / groups, groups]: channel g * (c / groups) + j moves to j * groups + g. In NHWC the channels
// are the last axis, so the reshape and transpose act on it alone.
import * as tf from '@tensorflow/tfjs';

export class ChannelShuffle extends tf.layers.Layer {
  static readonly className = 'PipeChannelShuffle';
  readonly groups: number;

  constructor(config: { groups: number; name?: string }) {
    super(config);
    this.groups = config.groups;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const [n, h, w, c] = x.shape;
      const split = tf.reshape(x, [n * h * w, this.groups, c / this.groups]);
      return tf.reshape(tf.transpose(split, [0, 2, 1]), [n, h, w, c]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups };
  }
}
