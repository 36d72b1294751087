// torch.nn.AvgPool2d with everything tf.layers' average pooling lacks: padding counted or not
// (count_include_pad) and ceil_mode's last, partial windows. The window sums are tfjs's average
// pool over the zero-padded input times k_h * k_w (zeros add nothing to a sum); each output is
// then divided by PyTorch's divisor for its window, a constant map made once per input size.
import * as tf from '@tensorflow/tfjs';
import { divisors } from './pool-bins.js';


type Pair = [number, number];

export interface AvgPoolGeometry {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  /** Zero rows and columns after the input beyond `padding`: ceil_mode's partial last windows. */
  extra: Pair;
  countIncludePad: boolean;
}

export class TorchAvgPool2D extends tf.layers.Layer {
  static readonly className = 'PipeTorchAvgPool2D';
  readonly cfg: AvgPoolGeometry;

  constructor(config: AvgPoolGeometry & { name?: string }) {
    super(config);
    const { name: _name, ...cfg } = config;
    this.cfg = cfg;
  }

  private outSize(i: number, a: 0 | 1): number {
    const { kernel: k, stride: s, padding: p, extra: e } = this.cfg;
    return Math.floor((i + 2 * p[a] + e[a] - k[a]) / s[a]) + 1;
  }

  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w, c] = shape as tf.Shape;
    return [n, h === null ? null : this.outSize(h, 0), w === null ? null : this.outSize(w, 1), c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const { kernel: k, stride: s, padding: p, extra: e, countIncludePad } = this.cfg;
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const padded = tf.pad(x, [[0, 0], [p[0], p[0] + e[0]], [p[1], p[1] + e[1]], [0, 0]]);
      const mean = tf.avgPool(padded, k, s, 'valid');
      const dh = divisors(h, this.outSize(h, 0), k[0], s[0], p[0], countIncludePad);
      const dw = divisors(w, this.outSize(w, 1), k[1], s[1], p[1], countIncludePad);
      if (dh.every((v) => v === k[0]) && dw.every((v) => v === k[1])) return mean;
      const scale = new Float32Array(dh.length * dw.length);
      dh.forEach((a, i) => dw.forEach((b, j) => (scale[i * dw.length + j] = (k[0] * k[1]) / (a * b))));
      return tf.mul(mean, tf.tensor3d(scale, [dh.length, dw.length, 1]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg };
  }
}
