// tfjs has no gradient for a dilated conv (its conv2d gradient asserts dilation 1), and the
// engine's backward kernels and oneDNN's are reached only through that gradient. A conv with
// dilation d over a k-tap kernel equals a dilation-1 conv over the (k-1)*d+1-tap kernel that has
// the taps at multiples of d and zeros between: y[o] = sum_t w[t] x[o + t*d] = sum_u w'[u] x[o + u]
// with w'[t*d] = w[t]. Building w' from w with pad/reshape/slice (all differentiable) gives
// forward, input and filter gradients from the stock dilation-1 kernels on every backend; the
// filter gradient is w' 's gradient read back at the taps (the slice/pad gradients).
import * as tf from '@tensorflow/tfjs';

/** [kh, kw, ci, co] -> [(kh-1)*dh+1, (kw-1)*dw+1, ci, co] with w at multiples of the dilation, zeros between. */
export function dilateKernel(w: tf.Tensor4D, [dh, dw]: readonly [number, number]): tf.Tensor4D {
  const [kh, kw, ci, co] = w.shape;
  // Height: each row followed by dh-1 zero rows, then the trailing zero rows dropped.
  let k = tf.pad(tf.reshape(w, [kh, 1, kw * ci * co]), [[0, 0], [0, dh - 1], [0, 0]]);
  k = tf.slice(tf.reshape(k, [kh * dh, kw * ci * co]), [0, 0], [(kh - 1) * dh + 1, -1]);
  const eh = (kh - 1) * dh + 1;
  // Width: the same within each row.
  k = tf.pad(tf.reshape(k, [eh, kw, 1, ci * co]), [[0, 0], [0, 0], [0, dw - 1], [0, 0]]);
  k = tf.slice(tf.reshape(k, [eh, kw * dw, ci * co]), [0, 0, 0], [-1, (kw - 1) * dw + 1, -1]);
  return tf.reshape(k, [eh, (kw - 1) * dw + 1, ci, co]);
}

export interface DilatedConvLayer {
  readonly kernel: { read(): tf.Tensor };
  readonly bias: { read(): tf.Tensor } | null;
  readonly strides: number[];
  readonly padding: string;
  readonly dilationRate: number[];
  readonly activation: { apply(x: tf.Tensor): tf.Tensor };
}

/** What tf.layers' Conv2D computes (NHWC), with the dilation moved into the kernel so it trains. */
export function dilatedConv(x: tf.Tensor4D, layer: DilatedConvLayer): tf.Tensor {
  const filter = dilateKernel(layer.kernel.read() as tf.Tensor4D, layer.dilationRate as [number, number]);
  const pad = layer.padding === 'same' ? 'same' : 'valid';
  let y: tf.Tensor = tf.conv2d(x, filter, layer.strides as [number, number], pad, 'NHWC', [1, 1]);
  if (layer.bias) y = tf.add(y, layer.bias.read());
  return layer.activation.apply(y);
}
