// torch.nn.AdaptiveAvgPool2d to a fixed [height, width]. Output i of an axis of `size` inputs
// averages inputs [floor(i * size / out), ceil((i + 1) * size / out)), PyTorch's bins; out may
// exceed size (VGG's 7x7 from a 2x2 map at 64x64 repeats inputs). A rectangle's mean is the mean
// of its rows' means, so the pool is one [out, size] matrix product per axis (as upsample.ts).
import * as tf from '@tensorflow/tfjs';
import { alongHeight } from './upsample.js';
import { adaptiveMatrix } from './pool-bins.js';


export class TorchAdaptiveAvgPool2D extends tf.layers.Layer {
  static readonly className = 'PipeTorchAdaptiveAvgPool2D';
  readonly size: [number, number];

  constructor(config: { size: [number, number]; name?: string }) {
    super(config);
    this.size = config.size;
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, , , c] = s as tf.Shape;
    return [n, this.size[0], this.size[1], c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const [oh, ow] = this.size;
      // Global pooling to 1x1: one mean, no matrices.
      if (oh === 1 && ow === 1) return tf.mean(x, [1, 2], true);
      const tall = alongHeight(x, tf.tensor2d(adaptiveMatrix(h, oh), [oh, h]));
      return tf.transpose(alongHeight(tf.transpose(tall, [0, 2, 1, 3]), tf.tensor2d(adaptiveMatrix(w, ow), [ow, w])), [0, 2, 1, 3]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size };
  }
}
