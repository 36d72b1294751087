import * as tf from '@tensorflow/tfjs';

type Pads = [[number, number], [number, number]];

/**
 * Pads height and width with a constant: 0 before a conv or an average pool (PyTorch pads with
 * zeros and counts them), -Infinity before a max pool (PyTorch never picks a padded value).
 */
export class TorchPad2D extends tf.layers.Layer {
  static readonly className = 'PipeTorchPad2D';
  readonly padding: Pads;
  readonly value: number;

  constructor(config: { padding: Pads; value: number; name?: string }) {
    super(config);
    this.padding = config.padding;
    this.value = config.value;
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w, c] = s as tf.Shape;
    const [[t, b], [l, r]] = this.padding;
    return [n, h === null ? null : h + t + b, w === null ? null : w + l + r, c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => tf.pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]], this.value));
  }

  override getConfig(): tf.serialization.ConfigDict {
    // JSON has no -Infinity: store it as a string.
    return { ...super.getConfig(), padding: this.padding, value: Number.isFinite(this.value) ? this.value : String(this.value) };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls({ ...config, value: Number(config.value) });
  }
}
