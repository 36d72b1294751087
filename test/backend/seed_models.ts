// The seed study's model families (../shared/seed/SPEC.md), built directly with tf.layers until
// the graph compiler lands. Exact sizes are the compiler's job: here every kind of op they use
// is present (conv incl. 1x7/7x1 and stride 2, conv transpose, batchnorm, max/avg pool, global
// avg pool, dense, dropout, concat, add, scale by 0.1), at widths a test can afford.
import type * as tfjs from '@tensorflow/tfjs';

type Tf = typeof tfjs;
type Sym = tfjs.SymbolicTensor;

export interface SeedModel {
  readonly name: string;
  readonly model: tfjs.LayersModel;
  /** [batch, h, w, c] of one input batch. */
  readonly inputShape: readonly [number, number, number, number];
  /** 'classes' for cross-entropy on logits, 'reconstruct' for mean squared error against the input. */
  readonly loss: 'classes' | 'reconstruct';
  readonly classes: number;
}

/** conv -> BN -> ReLU, PyTorch's BN constants (eps 1e-5, momentum 0.1). */
function convBnRelu(tf: Tf, x: Sym, filters: number, kernel: number | [number, number], strides = 1, useBias = false): Sym {
  const y = tf.layers.conv2d({ filters, kernelSize: kernel, strides, padding: 'same', useBias }).apply(x) as Sym;
  return tf.layers.reLU().apply(bn(tf, y)) as Sym;
}

function bn(tf: Tf, x: Sym): Sym {
  return tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9 }).apply(x) as Sym;
}

function add(tf: Tf, a: Sym, b: Sym): Sym {
  return tf.layers.add().apply([a, b]) as Sym;
}

/** The report's Residual1: conv3x3 s2 -> BN -> ReLU -> conv3x3 -> BN, plus a 1x1 s2 conv shortcut with bias. */
function residual1(tf: Tf, x: Sym, out: number): Sym {
  const main = bn(tf, tf.layers.conv2d({ filters: out, kernelSize: 3, padding: 'same' }).apply(convBnRelu(tf, x, out, 3, 2, true)) as Sym);
  const short = tf.layers.conv2d({ filters: out, kernelSize: 1, strides: 2 }).apply(x) as Sym;
  return tf.layers.reLU().apply(add(tf, short, main)) as Sym;
}

/** The 9-conv ResNet: 5,013,640 parameters at width 64, 3 channels, 200 classes (as PyTorch counts). */
export function resnet9(tf: Tf, o: { size: number; batch: number; classes: number; channels: number; width: number }): SeedModel {
  const input = tf.input({ shape: [o.size, o.size, o.channels] });
  let x = convBnRelu(tf, input, o.width, 7, 1, true);
  for (const out of [o.width, 2 * o.width, 4 * o.width, 8 * o.width]) x = residual1(tf, x, out);
  const logits = tf.layers.dense({ units: o.classes }).apply(tf.layers.globalAveragePooling2d({}).apply(x)) as Sym;
  return { name: 'resnet9', model: tf.model({ inputs: input, outputs: logits }), inputShape: [o.batch, o.size, o.size, o.channels], loss: 'classes', classes: o.classes };
}

/** AlexNet adapted to 64x64: five convs with max pools, then three dense layers with dropout. */
export function alexnet(tf: Tf, o: { batch: number; classes: number; width: number }): SeedModel {
  const input = tf.input({ shape: [64, 64, 3] });
  const conv = (x: Sym, filters: number, kernel: number, strides = 1) =>
    tf.layers.conv2d({ filters, kernelSize: kernel, strides, padding: 'same', activation: 'relu' }).apply(x) as Sym;
  const pool = (x: Sym) => tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }).apply(x) as Sym;
  let x = pool(conv(input, o.width, 5, 2));
  x = pool(conv(x, 3 * o.width, 5));
  x = pool(conv(conv(conv(x, 6 * o.width, 3), 4 * o.width, 3), 4 * o.width, 3));
  x = tf.layers.flatten().apply(x) as Sym;
  for (let i = 0; i < 2; i++) {
    x = tf.layers.dropout({ rate: 0.5, seed: 7 + i }).apply(x) as Sym;
    x = tf.layers.dense({ units: 16 * o.width, activation: 'relu' }).apply(x) as Sym;
  }
  const logits = tf.layers.dense({ units: o.classes }).apply(x) as Sym;
  return { name: 'alexnet', model: tf.model({ inputs: input, outputs: logits }), inputShape: [o.batch, 64, 64, 3], loss: 'classes', classes: o.classes };
}
