import * as tf from '@tensorflow/tfjs';

type Pair = [number, number];

export interface TorchConv2DTransposeConfig {
  filters: number;
  kernelSize: Pair;
  strides: Pair;
  padding: Pair;
  outputPadding: Pair;
  useBias: boolean;
  name?: string;
}

/**
 * torch.nn.ConvTranspose2d: out = (in - 1) * stride - 2 * padding + kernel + output_padding.
 * tf.layers.conv2dTranspose has no output_padding and pads TF-style. Here: the full transposed
 * conv ((in - 1) * stride + kernel), zero rows appended if output_padding > padding (no input
 * reaches them), then `padding` cropped from the start. Kernel layout [kh, kw, out, in].
 */
export class TorchConv2DTranspose extends tf.layers.Layer {
  static readonly className = 'PipeTorchConv2DTranspose';
  readonly cfg: TorchConv2DTransposeConfig;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(config: TorchConv2DTransposeConfig) {
    super(config);
    this.cfg = config;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const inChannels = (inputShape as tf.Shape)[3] as number;
    const [kh, kw] = this.cfg.kernelSize;
    this.kernel = this.addWeight('kernel', [kh, kw, this.cfg.filters, inChannels], 'float32', tf.initializers.zeros());
    if (this.cfg.useBias) this.bias = this.addWeight('bias', [this.cfg.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  private outSize(i: number, axis: 0 | 1): number {
    return (i - 1) * this.cfg.strides[axis] - 2 * this.cfg.padding[axis] + this.cfg.kernelSize[axis] + this.cfg.outputPadding[axis];
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w] = s as tf.Shape;
    return [n, h === null ? null : this.outSize(h, 0), w === null ? null : this.outSize(w, 1), this.cfg.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const [n, h, w] = x.shape;
      const { strides: s, kernelSize: k, padding: p, outputPadding: op } = this.cfg;
      const full: Pair = [(h - 1) * s[0] + k[0], (w - 1) * s[1] + k[1]];
      let y = tf.conv2dTranspose(x, this.kernel!.read() as tf.Tensor4D, [n, full[0], full[1], this.cfg.filters], s, 'valid');
      const extra: Pair = [Math.max(0, op[0] - p[0]), Math.max(0, op[1] - p[1])];
      if (extra[0] || extra[1]) y = tf.pad(y, [[0, 0], [0, extra[0]], [0, extra[1]], [0, 0]]);
      y = tf.slice(y, [0, p[0], p[1], 0], [n, this.outSize(h, 0), this.outSize(w, 1), this.cfg.filters]);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { name: _name, ...rest } = this.cfg;
    return { ...super.getConfig(), ...rest };
  }
}
