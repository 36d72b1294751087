// The ONNX export of every seed model, run by onnxruntime-node, scores random inputs as the
// engine does to 1e-4 (the models compiled with their seeded random init, BatchNorm's moving
// statistics drawn away from 0 and 1 so the inference form is really compared).
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { REPO } from '../helpers/cli.js';
import { compiledModel, maxAbsDiff, randomizeBatchNorm, runOnnx, toOnnx } from '../helpers/onnx.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('ONNX export of the seed models', () => {
  it.each([
    ['pipelines/alexnet.yaml', 'alexnet', [200]],
    ['pipelines/resnet9.yaml', 'resnet9', [200]],
    ['pipelines/inception-resnet.yaml', 'inception_resnet', [200]],
    ['pipelines/densenet.yaml', 'densenet', [200]],
    ['pipelines/task2-ae.yaml', 'autoencoder', [64, 64, 3]],
    ['pipelines/task2-ae.yaml', 'classifier', [200]],
    ['pipelines/demo.yaml', 'net', [6]],
    ['pipelines/fashion-resnet.yaml', 'resnet', [10]],
  ] as const)('%s: %s', async (file, name, outShape) => {
    const model = await compiledModel(file, name, REPO);
    randomizeBatchNorm(model, 7);
    const onnx = await toOnnx(model);
    const input = model.inputs[0].shape.slice(1) as number[];
    expect(onnx.inputs).toEqual([{ name: `${name}/input`, shape: input }]);
    expect(onnx.outputs.map((o) => o.shape)).toEqual([outShape]);
    expect(onnx.outputs[0].name).toBe(model.outputLayers[0].name);

    const x = tf.randomUniform([2, ...input], -2, 2, 'float32', 11);
    const want = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    const got = await runOnnx(onnx, x);
    x.dispose();
    expect(got.length).toBe(2 * outShape.reduce((a, b) => a * b, 1));
    // 1e-4, and 1e-4 of the outputs' size where they are small (AlexNet's are about 0.04).
    const size = Array.from(want).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbsDiff(want, got)).toBeLessThanOrEqual(1e-4 * Math.min(1, size));
    // Not a trivially equal pair: the outputs vary across examples and units.
    expect(new Set(Array.from(got.slice(0, 50), (v) => v.toFixed(4))).size).toBeGreaterThan(5);

    const decoded = onnxProto.onnx.ModelProto.decode(onnx.bytes);
    expect(decoded.producerName).toBe('pipe');
    expect(decoded.opsetImport.map((o) => Number(o.version))).toEqual([13]);
    // Every node is named after the pipe node it came from: model/node[/step].
    const graphs = new Set(model.layers.map((l) => l.name.split('/')[0]));
    for (const n of decoded.graph?.node ?? []) expect(graphs.has(n.name!.split('/')[0]), n.name!).toBe(true);
  }, 60_000);
});
