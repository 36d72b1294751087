// The ONNX export op by op: one pipeline that uses every op of the language in each of its
// variants, the tfjs layer settings pipe itself never writes (SAME padding, every activation),
// refusals naming the layer and what it cannot express, and hostile files.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { layerConverters } from '../../src/export/onnx/index.js';
import { activationNames } from '../../src/export/onnx/layers/activations.js';
import { graphOps } from '../../src/graph/ops/registry.js';
import { compiledModel, maxAbsDiff, randomizeBatchNorm, runOnnx, toOnnx } from '../helpers/onnx.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const EVERY_OP = `name: every_op
dataset: {format: image-folder, root: data}
models:
  m:
    input: [12, 12, 3]
    nodes:
      - {op: conv, name: c1, filters: 4, kernel: 3, padding: 1}
      - {op: batchnorm, name: bn1}
      - {op: leaky_relu, name: lrelu, negative_slope: 0.2}
      - {op: upsample, name: up_nearest, scale_factor: 2}
      - {op: maxpool, name: mp, kernel: 3, stride: 2, padding: 1}
      - {op: conv_transpose, name: ct, from: lrelu, filters: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1}
      - {op: avgpool, name: ap, kernel: 3, stride: 2, padding: 1}
      - {op: conv_transpose, name: ct_edge, from: lrelu, filters: 4, kernel: 2, stride: 2, output_padding: 1, bias: false}
      - {op: maxpool, name: mp_edge, kernel: 3, stride: 2}
      - {op: conv, name: c_same, from: lrelu, filters: 4, kernel: 3, padding: same, activation: relu}
      - {op: conv, name: c_dil, from: lrelu, filters: 4, kernel: 3, dilation: 2, padding: 2, bias: false, activation: sigmoid}
      - {op: scale, name: sc, factor: 0.1}
      - {op: add, name: sum, from: [mp, ap, mp_edge, c_same]}
      - {op: concat, name: cat, from: [sum, sc]}
      - {op: upsample, name: up_bilinear, scale_factor: 2, mode: bilinear}
      - {op: conv, name: c_s2, filters: 6, kernel: [3, 5], stride: 2, padding: [1, 2], activation: tanh}
      - {op: elu, name: elu_half, alpha: 0.5}
      - {op: elu, name: elu_one}
      - {op: tanh, name: th}
      - {op: sigmoid, name: sg}
      - {op: identity, name: id}
      - {op: softmax, name: sm_image}
      - {op: dropout, name: drop, p: 0.3}
      - {op: global_avgpool, name: gap}
      - {op: maxpool, name: mp2, from: elu_one, kernel: 2}
      - {op: flatten, name: flat}
      - {op: dense, name: d1, units: 16, activation: relu}
      - {op: batchnorm, name: bn_flat}
      - {op: dense, name: d2, units: 8, activation: tanh, bias: false}
      - {op: dense, name: d3, from: bn_flat, units: 4, activation: softmax}
      - {op: concat, name: cat_flat, from: [gap, d2, d3]}
      - {op: relu, name: r}
      - {op: dense, name: logits, units: 5}
      - {op: softmax, name: probs}
  # torchvision's zoo ops, each variant, ending in the pooled maps themselves (no softmax to flatten a difference).
  z:
    input: [12, 12, 4]
    nodes:
      - {op: conv, name: g_conv, filters: 6, kernel: 3, padding: 1, groups: 2, activation: relu}
      - {op: conv, name: dw, filters: 12, kernel: 3, stride: 2, padding: 1, groups: depthwise, bias: false}
      - {op: conv, name: dw_dil, filters: 12, kernel: 3, dilation: 2, padding: 2, groups: depthwise}
      - {op: batchnorm, name: bn_plain, affine: false}
      - {op: relu6, name: r6}
      - {op: hardswish, name: hsw}
      - {op: channel_shuffle, name: shuf, groups: 3}
      - {op: adaptive_avgpool, name: se_pool, size: 1}
      - {op: conv, name: se_fc, filters: 12, kernel: 1}
      - {op: hardsigmoid, name: se_gate}
      - {op: multiply, name: se, from: [shuf, se_gate]}
      - {op: silu, name: silu}
      - {op: gelu, name: gelu}
      - {op: stochastic_depth, name: sd, p: 0.2}
      - {op: layer_scale, name: ls, value: 0.5}
      - {op: avgpool, name: ap_ceil, kernel: 3, stride: 2, ceil_mode: true}
      - {op: avgpool, name: ap_nopad, from: ls, kernel: 3, stride: 2, padding: 1, count_include_pad: false, ceil_mode: true}
      - {op: adaptive_avgpool, name: aap_even, size: 2}
      - {op: adaptive_avgpool, name: aap_big, size: 7}
      - {op: adaptive_avgpool, name: aap_uneven, from: ap_ceil, size: [2, 5]}
      - {op: flatten, name: flat_uneven}
      - {op: flatten, name: flat_big, from: aap_big}
      - {op: slice_channels, name: half, from: gelu, start: 3, size: 6}
      - {op: flatten, name: flat_half}
      - {op: concat, name: cat_pools, from: [flat_uneven, flat_big, flat_half]}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`;

async function everyOpModel(name = 'm'): Promise<tf.LayersModel> {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-onnx-'));
  writeFileSync(join(dir, 'p.yaml'), EVERY_OP);
  const model = await compiledModel('p.yaml', name, dir);
  randomizeBatchNorm(model, 3);
  // Layer scale's gammas all start at `value`: drawn apart, so a channel read out of order shows.
  for (const layer of model.layers.filter((l) => l.getClassName() === 'PipeLayerScale')) {
    const c = layer.weights[0].shape[0] as number;
    layer.setWeights([tf.tensor1d(Array.from({ length: c }, (_, i) => 0.5 + i / c))]);
  }
  return model;
}

async function sameOnBoth(model: tf.LayersModel, seed: number): Promise<{ want: Float32Array; got: Float32Array }> {
  const onnx = await toOnnx(model);
  const x = tf.randomUniform([2, ...(model.inputs[0].shape.slice(1) as number[])], -3, 3, 'float32', seed);
  const want = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
  const got = await runOnnx(onnx, x);
  x.dispose();
  return { want, got };
}

describe('every op of the language', () => {
  it('is in the pipeline below and has a converter', () => {
    const used = new Set([...EVERY_OP.matchAll(/op: ([a-z_0-9]+)/g)].map((m) => m[1]));
    const converted = new Set(layerConverters.flatMap((c) => c.ops));
    for (const op of graphOps) {
      expect(used.has(op.name), `${op.name} is not in EVERY_OP`).toBe(true);
      expect(converted.has(op.name), `no converter lists ${op.name}`).toBe(true);
    }
  });

  it('runs in onnxruntime as in the engine, to 1e-4', async () => {
    const model = await everyOpModel();
    const { want, got } = await sameOnBoth(model, 5);
    expect(got.length).toBe(10);
    expect(maxAbsDiff(want, got)).toBeLessThanOrEqual(1e-4);
    expect(new Set(Array.from(got, (v) => v.toFixed(4))).size).toBeGreaterThan(5);
  });

  it('the zoo ops (grouped and depthwise conv, PyTorch pools, torch activations, shuffle, gate, layer scale) to 1e-5 of their size', async () => {
    const model = await everyOpModel('z');
    const { want, got } = await sameOnBoth(model, 6);
    expect(got.length).toBe(2 * (2 * 5 * 12 + 7 * 7 * 12 + 6 * 6 * 6));
    const size = Array.from(want).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(size).toBeGreaterThan(0.1);
    expect(maxAbsDiff(want, got)).toBeLessThanOrEqual(1e-5 * size);
    expect(new Set(Array.from(got, (v) => v.toFixed(4))).size).toBeGreaterThan(100);
  });
});

describe('tfjs layer settings pipe does not write', () => {
  // tfjs's own names for the activations; model.json stores them snake-cased.
  const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'logSoftmax', 'elu', 'selu', 'softplus', 'softsign', 'swish'] as const;

  it('covers every activation the converter knows', () => {
    expect(ACTIVATIONS.map((a) => a.replace(/([A-Z])/g, '_$1').toLowerCase()).sort()).toEqual([...activationNames].sort());
  });

  it('SAME padding, dilation, stock ELU/LeakyReLU/Dropout, capped ReLU and every activation run as in tfjs', async () => {
    const input = tf.input({ shape: [7, 7, 3], name: 'in' });
    let x = tf.layers.conv2d({ name: 'conv_same', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'selu' }).apply(input) as tf.SymbolicTensor;
    const dilated = tf.layers.conv2d({ name: 'conv_dilated', filters: 4, kernelSize: 2, dilationRate: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.add({ name: 'join' }).apply([x, dilated]) as tf.SymbolicTensor;
    const mp = tf.layers.maxPooling2d({ name: 'max_same', poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    const ap = tf.layers.averagePooling2d({ name: 'avg_same', poolSize: 2, strides: 1, padding: 'same' }).apply(mp) as tf.SymbolicTensor;
    x = tf.layers.elu({ name: 'elu' }).apply(ap) as tf.SymbolicTensor;
    x = tf.layers.leakyReLU({ name: 'leaky' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dropout({ name: 'dropout', rate: 0.5 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: 'relu_capped', maxValue: 0.8 }).apply(tf.layers.flatten({ name: 'flat' }).apply(x)) as tf.SymbolicTensor;
    const features = tf.layers.dense({ name: 'features', units: 6, kernelInitializer: tf.initializers.randomNormal({ stddev: 2, seed: 1 }) }).apply(x) as tf.SymbolicTensor;
    const branches = ACTIVATIONS.map((a) => tf.layers.activation({ name: `act_${a}`, activation: a as never }).apply(features) as tf.SymbolicTensor);
    const out = tf.layers.concatenate({ name: 'all' }).apply(branches) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const { want, got } = await sameOnBoth(model, 9);
    expect(got.length).toBe(2 * 6 * ACTIVATIONS.length);
    expect(maxAbsDiff(want, got)).toBeLessThanOrEqual(1e-4);
  });
});

/** A tiny functional model around one layer, converted: the message it is refused with. */
async function refusalOf(layer: tf.layers.Layer, shape: number[]): Promise<string> {
  const input = tf.input({ shape, name: 'in' });
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  try {
    await toOnnx(model);
  } catch (e) {
    return (e as Error).message;
  }
  return 'converted';
}

describe('refusals name the layer and what ONNX cannot express here', () => {
  it('a layer class the export has no converter for', async () => {
    const known = layerConverters.map((c) => c.className).sort().join(', ');
    expect(await refusalOf(tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3 }), [5, 5, 2])).toBe(`model.json: layer 'dw' is a 'DepthwiseConv2D', which the ONNX export cannot express (it converts ${known})`);
  });

  it('an activation without an ONNX form', async () => {
    expect(await refusalOf(tf.layers.activation({ name: 'act', activation: 'gelu' }), [4])).toBe(
      `model.json: layer 'act' (Activation): activation "gelu" has no ONNX form here (known: ${activationNames.join(', ')})`,
    );
  });

  it('a hostile adaptive pool size is refused, not allocated', async () => {
    const { customLayers } = await import('../../src/graph/layers/index.js');
    expect(await refusalOf(new customLayers.TorchAdaptiveAvgPool2D({ name: 'aap', size: [3, 1e8] }), [5, 5, 2])).toBe(
      "model.json: layer 'aap' (PipeTorchAdaptiveAvgPool2D): its averaging matrix would hold 500000000 values; the export builds at most 67108864 (is model.json damaged?)",
    );
  });

  it('a setting the converter does not take', async () => {
    expect(await refusalOf(tf.layers.conv2d({ name: 'cf', filters: 2, kernelSize: 1, dataFormat: 'channelsFirst' }), [3, 5, 5])).toBe(
      `model.json: layer 'cf' (Conv2D): config.data_format is "channels_first"; the export needs 'channels_last'`,
    );
  });
});
