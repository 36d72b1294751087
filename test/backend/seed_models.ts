// The seed study's model families (../shared/seed/SPEC.md), built directly with tf.layers until
// the graph compiler lands. Exact sizes are the compiler's job: here every kind of op they use
// is present (conv incl. 1x7/7x1 and stride 2, conv transpose, batchnorm, max/avg pool, global
// avg pool, dense, dropout, concat, add, scale by 0.1), at widths a test can afford.
import type * as tfjs from '@tensorflow/tfjs';
import { BatchNorm } from '../../src/graph/layers/index.js';

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
  return tf.layers.reLU().apply(bn(y)) as Sym;
}

/** The engine's BatchNorm (tf.layers' BatchNormalization with a fused training step), as the graph compiler builds it. */
function bn(x: Sym): Sym {
  return new BatchNorm({ axis: -1, epsilon: 1e-5, momentum: 0.9 }).apply(x) as Sym;
}

function add(tf: Tf, a: Sym, b: Sym): Sym {
  return tf.layers.add().apply([a, b]) as Sym;
}

/** The report's Residual1: conv3x3 s2 -> BN -> ReLU -> conv3x3 -> BN, plus a 1x1 s2 conv shortcut with bias. */
function residual1(tf: Tf, x: Sym, out: number): Sym {
  const main = bn(tf.layers.conv2d({ filters: out, kernelSize: 3, padding: 'same' }).apply(convBnRelu(tf, x, out, 3, 2, true)) as Sym);
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

/** Multiplies by a constant: the 0.1 residual scale of the Inception-ResNet blocks. */
function scale(tf: Tf, x: Sym, factor: number): Sym {
  class Scale extends tf.layers.Layer {
    static readonly className = 'Scale';
    override call(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
      return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, factor);
    }
  }
  return new Scale({}).apply(x) as Sym;
}

function concat(tf: Tf, parts: Sym[]): Sym {
  return tf.layers.concatenate({ axis: -1 }).apply(parts) as Sym;
}

/** Inception-ResNet block: branches, concat, 1x1 conv back to the input's width, x0.1, add, ReLU. */
function inceptionResidual(tf: Tf, x: Sym, branches: Sym[]): Sym {
  const width = x.shape[3] as number;
  const merged = convBnRelu(tf, concat(tf, branches), width, 1);
  return tf.layers.reLU().apply(add(tf, x, scale(tf, merged, 0.1))) as Sym;
}

/** The modified Inception-ResNet: stem, InceptionA, reduction, 2 x InceptionB (1x7 / 7x1), avg pool, dropout, dense. */
export function inceptionResnet(tf: Tf, o: { size: number; batch: number; classes: number; width: number }): SeedModel {
  const w = o.width;
  const input = tf.input({ shape: [o.size, o.size, 3] });
  let x = convBnRelu(tf, convBnRelu(tf, input, w, 3, 2), w, 3);
  x = concat(tf, [tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym, convBnRelu(tf, x, w, 3, 2)]);
  x = inceptionResidual(tf, x, [
    convBnRelu(tf, x, w / 2, 1),
    convBnRelu(tf, convBnRelu(tf, x, w / 2, 1), w / 2, 3),
    convBnRelu(tf, convBnRelu(tf, convBnRelu(tf, x, w / 2, 1), w / 2, 3), w / 2, 3),
  ]);
  x = concat(tf, [
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym,
    convBnRelu(tf, x, w, 3, 2),
    convBnRelu(tf, convBnRelu(tf, convBnRelu(tf, x, w / 2, 1), w / 2, 3), w, 3, 2),
  ]);
  for (let i = 0; i < 2; i++) {
    x = inceptionResidual(tf, x, [
      convBnRelu(tf, x, w, 1),
      convBnRelu(tf, convBnRelu(tf, convBnRelu(tf, x, w / 2, 1), w / 2, [1, 7]), w, [7, 1]),
    ]);
  }
  x = tf.layers.flatten().apply(tf.layers.averagePooling2d({ poolSize: 3 }).apply(x)) as Sym;
  x = tf.layers.dropout({ rate: 0.5, seed: 3 }).apply(x) as Sym;
  const logits = tf.layers.dense({ units: o.classes }).apply(x) as Sym;
  return { name: 'inception-resnet', model: tf.model({ inputs: input, outputs: logits }), inputShape: [o.batch, o.size, o.size, 3], loss: 'classes', classes: o.classes };
}

/** The DenseNet: MYBlocks (conv3x3 with bias -> BN -> ReLU), concat with each stage's input, max pools, 1x1 head, avg pool. */
export function densenet(tf: Tf, o: { size: number; batch: number; classes: number; width: number }): SeedModel {
  const block = (x: Sym, out: number) => convBnRelu(tf, x, out, 3, 1, true);
  const input = tf.input({ shape: [o.size, o.size, 3] });
  let x = block(input, o.width);
  for (const out of [4 * o.width, 8 * o.width, 16 * o.width]) {
    let y = block(x, out);
    for (let i = 0; i < 3; i++) y = block(y, out);
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(concat(tf, [x, y])) as Sym;
  }
  x = tf.layers.conv2d({ filters: o.classes, kernelSize: 1 }).apply(x) as Sym;
  const logits = tf.layers.flatten().apply(tf.layers.averagePooling2d({ poolSize: o.size / 8 }).apply(x)) as Sym;
  return { name: 'densenet', model: tf.model({ inputs: input, outputs: logits }), inputShape: [o.batch, o.size, o.size, 3], loss: 'classes', classes: o.classes };
}

/** RevRes: transposed convs (3x3 s2 -> BN -> ReLU -> 3x3 -> BN) plus a 1x1 s2 transposed shortcut, add, ReLU. */
function revRes(tf: Tf, x: Sym, out: number): Sym {
  const up = (y: Sym, filters: number, kernelSize: number, strides: number) =>
    tf.layers.conv2dTranspose({ filters, kernelSize, strides, padding: 'same' }).apply(y) as Sym;
  const main = bn(up(tf.layers.reLU().apply(bn(up(x, out, 3, 2))) as Sym, out, 3, 1));
  return tf.layers.reLU().apply(add(tf, up(x, out, 1, 2), main)) as Sym;
}

/**
 * The task-2 autoencoder: a narrow ResNet encoder, a decoder of RevRes blocks and a small residual
 * block, trained on reconstruction; and the same encoder with a classifier head.
 */
export function autoencoder(tf: Tf, o: { size: number; batch: number; classes: number; width: number }): [SeedModel, SeedModel] {
  const input = tf.input({ shape: [o.size, o.size, 3] });
  let code = convBnRelu(tf, input, o.width, 3, 1, true);
  for (const out of [o.width, 2 * o.width, 4 * o.width, 8 * o.width]) code = residual1(tf, code, out);
  let x = code;
  for (const out of [8 * o.width, 4 * o.width, 2 * o.width, 3]) x = revRes(tf, x, out);
  const res = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(convBnRelu(tf, x, 3, 3, 1, true)) as Sym;
  const reconstruction = add(tf, x, res);
  const logits = tf.layers.dense({ units: o.classes }).apply(tf.layers.globalAveragePooling2d({}).apply(code)) as Sym;
  const shape = [o.batch, o.size, o.size, 3] as const;
  return [
    { name: 'autoencoder (reconstruction)', model: tf.model({ inputs: input, outputs: reconstruction }), inputShape: shape, loss: 'reconstruct', classes: 0 },
    { name: 'autoencoder (classifier)', model: tf.model({ inputs: input, outputs: logits }), inputShape: shape, loss: 'classes', classes: o.classes },
  ];
}
