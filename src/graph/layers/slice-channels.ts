// x[:, start:start + size] of an NCHW tensor is, in NHWC, a slice of the last axis. tf.slice's
// gradient pads the upstream gradient back with zeros, as PyTorch's slice backward does.
import * as tf from '@tensorflow/tfjs';

export class SliceChannels extends tf.layers.Layer {
  static readonly className = 'PipeSliceChannels';
  readonly start: number;
  readonly size: number;

  constructor(config: { start: number; size: number; name?: string }) {
    super(config);
    this.start = config.start;
    this.size = config.size;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...s.slice(0, -1), this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.slice(x, [0, 0, 0, this.start], [-1, -1, -1, this.size]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), start: this.start, size: this.size };
  }
}
