// slice_channels through both exports: ONNX (a Slice on the channel axis, run by onnxruntime
// against the engine's prediction) and stock TensorFlow.js, which has no slice layer and refuses
// it, naming the layer.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { readLayersModel, toStockLayers } from '../../src/export/index.js';
import { compiledModel, maxAbsDiff, runOnnx, toOnnx } from '../helpers/onnx.js';
import { savedModelOf } from '../helpers/stock-export.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// ShuffleNetV2's stride-1 unit in miniature: halves, a conv on the second, concatenated, shuffled
// away by a 1x1 conv; and a middle run of channels into the head.
const PIPELINE = `name: slices
dataset: {format: image-folder, root: data}
models:
  m:
    input: [6, 6, 3]
    nodes:
      - {op: conv, name: c, filters: 8, kernel: 3, padding: 1}
      - {op: slice_channels, name: x1, size: 4}
      - {op: slice_channels, name: x2, from: c, start: 4, size: 4}
      - {op: conv, name: b, filters: 4, kernel: 1}
      - {op: concat, name: cat, from: [x1, b]}
      - {op: slice_channels, name: mid, start: 2, size: 5}
      - {op: global_avgpool, name: gap}
      - {op: dense, name: logits, units: 3}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`;

describe('slice_channels exported', () => {
  it('to ONNX runs in onnxruntime as in the engine, to 1e-5', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipe-slice-onnx-'));
    writeFileSync(join(dir, 'p.yaml'), PIPELINE);
    const model = await compiledModel('p.yaml', 'm', dir);
    const onnx = await toOnnx(model);
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 7);
    const want = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    const got = await runOnnx(onnx, x);
    expect(got.length).toBe(6);
    expect(maxAbsDiff(want, got)).toBeLessThanOrEqual(1e-5);
    x.dispose();
    model.dispose();
  }, 60_000);

  it('to stock TensorFlow.js is refused, naming the layer', async () => {
    const saved = await savedModelOf(PIPELINE, 'm');
    expect(() => toStockLayers(readLayersModel(saved.dir))).toThrow("cannot export model 'm' for stock TensorFlow.js: layer 'm/x2' (PipeSliceChannels): stock TensorFlow.js has no such layer and pipe has no stock rewrite for it (--format tfjs-engine exports the engine's layers as they are (register src/graph/layers before tf.loadLayersModel))");
  }, 60_000);
});
