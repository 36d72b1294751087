// torch.nn.Conv2d with groups > 1, which tf.conv2d lacks (tfjs 4.22 has no groups argument).
// The kernel is PyTorch's weight [out, in/groups, kh, kw] as [kh, kw, in/groups, out], so fans
// (and so every initialiser) match PyTorch's; output channel o reads input group o // (out/groups).
//
// - Depthwise (groups = in channels, out = in * m): tf.depthwiseConv2d over the kernel reshaped to
//   [kh, kw, in, m] (o = i * m + j, PyTorch's order). tfjs-backend-wasm has no depthwise gradient
//   kernels, so where the backend lacks them training computes the same sum tap by tap instead:
//   y = sum_{a,b} x[s*i + a*d, s*j + b*d] * w[a, b] (a slice, a multiply and an add per tap,
//   every one differentiable on every backend); so does any dilated one (tfjs's depthwise
//   gradient asserts dilation 1).
// - Other groups: the input split into `groups` channel slices, one conv2d each over its slice of
//   the kernel, concatenated (dilation through conv-dilated.ts's spread kernel, so it trains).
// Padding is applied before (TorchPad2D); this layer convolves 'valid'.
import * as tf from '@tensorflow/tfjs';
import { dilateKernel } from './conv-dilated.js';

type Pair = [number, number];

export interface GroupedConvConfig {
  filters: number;
  groups: number;
  kernelSize: Pair;
  strides: Pair;
  dilationRate: Pair;
  useBias: boolean;
  name?: string;
}

export class TorchGroupedConv2D extends tf.layers.Layer {
  static readonly className = 'PipeTorchGroupedConv2D';
  readonly cfg: GroupedConvConfig;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(config: GroupedConvConfig) {
    super(config);
    this.cfg = config;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const c = (inputShape as tf.Shape)[3] as number;
    const [kh, kw] = this.cfg.kernelSize;
    this.kernel = this.addWeight('kernel', [kh, kw, c / this.cfg.groups, this.cfg.filters], 'float32', tf.initializers.zeros());
    if (this.cfg.useBias) this.bias = this.addWeight('bias', [this.cfg.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  private outSize(i: number, axis: 0 | 1): number {
    return Math.floor((i - this.cfg.dilationRate[axis] * (this.cfg.kernelSize[axis] - 1) - 1) / this.cfg.strides[axis]) + 1;
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w] = s as tf.Shape;
    return [n, h === null ? null : this.outSize(h, 0), w === null ? null : this.outSize(w, 1), this.cfg.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const k = this.kernel!.read() as tf.Tensor4D;
      const y = this.cfg.groups === x.shape[3] ? this.depthwise(x, k, kwargs.training === true) : this.split(x, k);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  private depthwise(x: tf.Tensor4D, k: tf.Tensor4D, training: boolean): tf.Tensor {
    const { strides: s, dilationRate: d, kernelSize: [kh, kw], filters } = this.cfg;
    const c = x.shape[3];
    // tfjs's depthwise gradient takes no dilation, and tf.depthwiseConv2d a stride or a dilation, not both.
    const dilated = Math.max(...d) > 1;
    const trainsStock = tf.getKernel('DepthwiseConv2dNativeBackpropFilter', tf.getBackend()) !== undefined && !dilated;
    if ((!training || trainsStock) && (!dilated || Math.max(...s) === 1)) {
      return tf.depthwiseConv2d(x, tf.reshape(k, [kh, kw, c, filters / c]), s, 'valid', 'NHWC', d);
    }
    const m = filters / c;
    // Each input channel m times in a row (tile's gradient stops at rank 4 in tfjs; concat's does not).
    const xs = m === 1 ? x : tf.reshape(tf.concat(Array.from({ length: m }, () => tf.expandDims(x, 4)), 4), [...x.shape.slice(0, 3), filters]);
    const [oh, ow] = [this.outSize(x.shape[1], 0), this.outSize(x.shape[2], 1)];
    // s - 1 zero rows and columns after, so every tap's window of s*oh rows fits.
    const padded = tf.pad(xs, [[0, 0], [0, s[0] - 1], [0, s[1] - 1], [0, 0]]);
    const taps = tf.reshape(k, [kh, kw, filters]);
    let y: tf.Tensor | null = null;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        let window: tf.Tensor = tf.slice(padded, [0, a * d[0], b * d[1], 0], [-1, s[0] * oh, s[1] * ow, filters]);
        if (s[0] > 1 || s[1] > 1) {
          // Every s-th row and column: the first of each run of s (StridedSlice has no gradient in tfjs).
          window = tf.slice(tf.reshape(window, [-1, oh, s[0], ow, s[1], filters]), [0, 0, 0, 0, 0, 0], [-1, oh, 1, ow, 1, filters]);
          window = tf.reshape(window, [-1, oh, ow, filters]);
        }
        const term = tf.mul(window, tf.reshape(tf.slice(taps, [a, b, 0], [1, 1, filters]), [filters]));
        y = y === null ? term : tf.add(y, term);
      }
    }
    return y!;
  }

  private split(x: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor {
    const { groups, strides, dilationRate } = this.cfg;
    const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
    const ks = tf.split(k, groups, 3) as tf.Tensor4D[];
    const dilated = dilationRate[0] > 1 || dilationRate[1] > 1;
    return tf.concat(xs.map((xi, g) => tf.conv2d(xi, dilated ? dilateKernel(ks[g], dilationRate) : ks[g], strides, 'valid')), 3);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { name: _name, ...rest } = this.cfg;
    return { ...super.getConfig(), ...rest };
  }
}
