// The ONNX export of torchvision's zoo (pipelines/zoo), run by onnxruntime-node, scores as the
// engine does: each model compiled at 64x64 with its seeded init, BatchNorm's statistics drawn
// away from 0 and 1, a random batch of 2, to 1e-4 (1e-4 of the logits' size where it is under 1,
// as the seed models' test). A representative model per family and per new op (grouped conv:
// resnext; depthwise, relu6: mobilenet_v2; hardswish, hardsigmoid gates: mobilenet_v3_small;
// silu, stochastic depth, squeeze-and-excitation: efficientnet_b0; enlarging adaptive pooling,
// 6x6 from 1x1: alexnet; concat blocks: densenet121). The other family members repeat these ops
// at more depth and width; VGG (its 7x7 from 2x2 pooling is onnx-convert's every-op model's
// case) and the other >60M-parameter giants (resnext101_*, wide_resnet*, resnet152,
// efficientnet_b7) are left out for time and memory (vgg11_bn alone took 55 s and most of the
// test's 3.4 GB), though alexnet (61M) stands for its family.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { maxAbsDiff, randomizeBatchNorm, runOnnx, toOnnx } from '../helpers/onnx.js';
import { planAt, zooModels } from '../zoo/zoo-files.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const MODELS = ['resnet18', 'resnext50_32x4d', 'densenet121', 'alexnet', 'mobilenet_v2', 'mobilenet_v3_small', 'efficientnet_b0'];

describe('ONNX export of the zoo', () => {
  it.each(MODELS)('%s at 64x64', async (name) => {
    const file = zooModels().get(name);
    expect(file, `${name} is in pipelines/zoo`).toBeDefined();
    const { pipeline, plan } = await planAt(file!, name, 64);
    const model = compileGraphs(pipeline, plan).model(name);
    try {
      randomizeBatchNorm(model, 13);
      const onnx = await toOnnx(model);
      expect(onnx.outputs.map((o) => o.shape)).toEqual([[1000]]);
      const x = tf.randomUniform([2, 64, 64, 3], -2, 2, 'float32', 17);
      const want = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
      const got = await runOnnx(onnx, x);
      x.dispose();
      const size = Array.from(want).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const diff = maxAbsDiff(want, got);
      console.log(`${name}: max |onnx - engine| ${diff.toExponential(2)}, logits up to ${size.toPrecision(3)}`);
      expect(diff).toBeLessThanOrEqual(1e-4 * Math.min(1, size));
      expect(new Set(Array.from(got.slice(0, 100), (v) => v.toFixed(4))).size).toBeGreaterThan(20);
    } finally {
      model.dispose();
    }
  }, 300_000);
});
