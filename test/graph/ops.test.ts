// Every op's shape rule and parameter count agree with the TensorFlow.js layers it builds, on a
// grid of shapes and options.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { graphOps } from '../../src/graph/ops/registry.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const PREFIX = ['{op: conv, name: a, filters: 4, kernel: 1}', '{op: conv, name: b, filters: 4, kernel: 1, from: a}'];

const cases: [string, string, string[]][] = [
  ['conv', '[9, 9, 3]', ['{op: conv, filters: 5, kernel: 3}']],
  ['conv', '[9, 9, 3]', ['{op: conv, filters: 5, kernel: 3, stride: 2, padding: 1}']],
  ['conv', '[10, 7, 3]', ['{op: conv, filters: 2, kernel: [1, 7], padding: [0, 3]}']],
  ['conv', '[10, 7, 3]', ['{op: conv, filters: 2, kernel: [7, 1], padding: same, bias: false}']],
  ['conv', '[9, 9, 2]', ['{op: conv, filters: 3, kernel: 3, dilation: 2, activation: relu}']],
  ['conv_transpose', '[5, 5, 3]', ['{op: conv_transpose, filters: 2, kernel: 3, stride: 2, padding: 1, output_padding: 1}']],
  ['conv_transpose', '[4, 6, 3]', ['{op: conv_transpose, filters: 2, kernel: 4, stride: 2, padding: 1, bias: false}']],
  ['batchnorm', '[4, 4, 3]', ['{op: batchnorm}']],
  ['batchnorm', '[6]', ['{op: batchnorm, momentum: 0.01, eps: 0.001}']],
  ['relu', '[4, 4, 3]', ['{op: relu}']],
  ['leaky_relu', '[4, 4, 3]', ['{op: leaky_relu, negative_slope: 0.2}']],
  ['elu', '[4, 4, 3]', ['{op: elu}']],
  ['sigmoid', '[5]', ['{op: sigmoid}']],
  ['tanh', '[5]', ['{op: tanh}']],
  ['softmax', '[5]', ['{op: softmax}']],
  ['maxpool', '[9, 9, 3]', ['{op: maxpool, kernel: 3, stride: 2, padding: 1}']],
  ['maxpool', '[8, 8, 3]', ['{op: maxpool, kernel: 2}']],
  ['avgpool', '[7, 7, 3]', ['{op: avgpool, kernel: 3}']],
  ['avgpool', '[7, 7, 3]', ['{op: avgpool, kernel: 2, stride: 1, padding: 1}']],
  ['global_avgpool', '[5, 5, 3]', ['{op: global_avgpool}']],
  ['flatten', '[3, 2, 4]', ['{op: flatten}']],
  ['dense', '[12]', ['{op: dense, units: 7}']],
  ['dense', '[12]', ['{op: dense, units: 7, bias: false, activation: softmax}']],
  ['dropout', '[12]', ['{op: dropout, p: 0.3}']],
  ['add', '[6, 6, 3]', [...PREFIX, '{op: add, from: [a, b]}']],
  ['concat', '[6, 6, 3]', [...PREFIX, '{op: concat, from: [a, b, a]}']],
  ['scale', '[6, 6, 3]', ['{op: scale, factor: 0.1}']],
  ['upsample', '[3, 4, 2]', ['{op: upsample, scale_factor: 2}']],
  ['upsample', '[3, 4, 2]', ['{op: upsample, scale_factor: 3, mode: bilinear}']],
  ['identity', '[3, 4, 2]', ['{op: identity}']],
  ['conv', '[9, 9, 4]', ['{op: conv, filters: 6, kernel: 3, groups: 2, padding: 1}']],
  ['conv', '[9, 8, 4]', ['{op: conv, filters: 8, kernel: 3, groups: 4, stride: 2, bias: false, dilation: 2}']],
  ['conv', '[9, 9, 3]', ['{op: conv, filters: 6, kernel: 5, groups: depthwise, stride: 2, padding: 2, activation: relu}']],
  ['conv', '[7, 7, 3]', ['{op: conv, filters: 3, kernel: 3, groups: 3, dilation: 2, padding: 2}']],
  ['maxpool', '[8, 8, 3]', ['{op: maxpool, kernel: 3, stride: 2, ceil_mode: true}']],
  ['avgpool', '[7, 7, 3]', ['{op: avgpool, kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false}']],
  ['avgpool', '[6, 6, 3]', ['{op: avgpool, kernel: 2, stride: 2, ceil_mode: true}']],
  ['batchnorm', '[4, 4, 3]', ['{op: batchnorm, affine: false}']],
  ['relu6', '[4, 4, 3]', ['{op: relu6}']],
  ['hardsigmoid', '[4, 4, 3]', ['{op: hardsigmoid}']],
  ['hardswish', '[4, 4, 3]', ['{op: hardswish}']],
  ['silu', '[5]', ['{op: silu}']],
  ['gelu', '[5]', ['{op: gelu}']],
  ['adaptive_avgpool', '[5, 7, 3]', ['{op: adaptive_avgpool, size: [2, 3]}']],
  ['adaptive_avgpool', '[2, 2, 3]', ['{op: adaptive_avgpool, size: 7}']],
  ['adaptive_avgpool', '[5, 5, 3]', ['{op: adaptive_avgpool, size: 1}']],
  ['multiply', '[6, 6, 3]', ['{op: conv, name: a, filters: 4, kernel: 1}', '{op: adaptive_avgpool, name: g, size: 1}', '{op: multiply, from: [a, g]}']],
  ['channel_shuffle', '[3, 3, 6]', ['{op: channel_shuffle, groups: 3}']],
  ['stochastic_depth', '[3, 3, 6]', ['{op: stochastic_depth, p: 0.2}']],
  ['stochastic_depth', '[3, 3, 6]', ['{op: stochastic_depth, p: 0.5, mode: batch}']],
  ['layer_scale', '[3, 3, 6]', ['{op: layer_scale, value: 0.5}']],
  ['slice_channels', '[3, 3, 6]', ['{op: slice_channels, start: 2, size: 3}']],
];

describe('op shape rules match the compiled layers', () => {
  it('covers every op in the registry', () => {
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(graphOps.map((o) => o.name)));
  });

  it.each(cases)('%s on %s: %j', async (_op, given, ops) => {
    // A model's input is an image: a flat input is a 1x1 image flattened first.
    const flat = JSON.parse(given).length === 1;
    const input = flat ? `[1, 1, ${JSON.parse(given)[0]}]` : given;
    const nodes = flat ? ['{op: flatten}', ...ops] : ops;
    const dir = mkdtempSync(join(tmpdir(), 'pipe-op-'));
    writeFileSync(join(dir, 'p.yaml'), `name: t
dataset: {format: image-folder, root: data}
models:
  m:
    input: ${input}
    nodes:
${nodes.map((n) => `      - ${n}`).join('\n')}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`);
    const { pipeline, locate } = await resolvePipeline('p.yaml', { cwd: dir });
    const plan = analyzeGraphs(pipeline, locate);
    const model = compileGraphs(pipeline, plan).model('m');
    const inputShape = JSON.parse(input) as number[];
    const y = tf.tidy(() => model.predict(tf.ones([2, ...inputShape])) as tf.Tensor);
    expect(y.shape.slice(1)).toEqual([...plan.models.m.output]);
    y.dispose();
    const trainable = model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    expect(trainable).toBe(plan.models.m.trainable);
  });
});
