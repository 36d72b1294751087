// `pipe export --format onnx` through the real binary on a tiny trained run: model.onnx and
// pipe.json are written, onnxruntime-node scores preprocessed pixels as the stage's stored tfjs
// model does, and bad requests and damaged models are refused before anything is written.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import '../../src/graph/layers/index.js';
import { runPipe } from '../helpers/cli.js';
import { maxAbsDiff } from '../helpers/onnx.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

const PIPELINE = `name: exported
dataset: {format: tiny-imagenet, root: data, image_size: [16, 16]}
augment:
  eval: [{op: normalize, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}]
models:
  net:
    input: [16, 16, 3]
    nodes:
      - {op: conv, filters: 8, kernel: 3, padding: 1}
      - {op: batchnorm}
      - {op: relu}
      - {op: maxpool, kernel: 3, stride: 2, padding: 1}
      - {op: global_avgpool}
      - {op: dense, name: logits, units: 3}
stages:
  train:
    kind: classify
    model: net
    train: {split: train, augment: eval}
    val: {split: val, augment: eval}
    epochs: 1
    batch_size: 16
    optimizer: {type: sgd, lr: 0.05}
`;

let top: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  top = mkdtempSync(join(tmpdir(), 'pipe-onnx-cli-'));
  symlinkSync((await buildTinyImageNet({ classes: 3, trainPerClass: 16, valPerClass: 4, size: 16 })).root, join(top, 'data'));
  writeFileSync(join(top, 'p.yaml'), PIPELINE);
  const trained = runPipe(['run', 'p.yaml', '--workers', '1'], { cwd: top });
  expect(trained.code, trained.stderr).toBe(0);
}, 120_000);

describe('pipe export --format onnx', () => {
  it('writes model.onnx and pipe.json; onnxruntime scores as the stored model', async () => {
    const exported = runPipe(['export', 'p.yaml', '--stage', 'train', '--workers', '1', '--format', 'onnx', '-o', 'onnx'], { cwd: top });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(`exported exported/train (net, 3 classes, ONNX) to ${join(top, 'onnx')}\n`);
    expect(readdirSync(join(top, 'onnx')).sort()).toEqual(['.pipe-export.json', 'model.onnx', 'pipe.json']);
    const info = JSON.parse(readFileSync(join(top, 'onnx', 'pipe.json'), 'utf8'));
    expect(info).toMatchObject({
      format: 'onnx',
      pipeline: 'exported',
      stage: 'train',
      input: [16, 16, 3],
      preprocessing: { scale: 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], eval_steps: [] },
      customLayers: [],
      onnx: { file: 'model.onnx', opset: 13, layout: 'NHWC', inputs: [{ name: 'net/input', shape: [16, 16, 3] }], outputs: [{ name: 'net/logits', shape: [3] }] },
    });
    const bytes = readFileSync(join(top, 'onnx', 'model.onnx'));
    const props = Object.fromEntries(onnxProto.onnx.ModelProto.decode(bytes).metadataProps.map((p) => [p.key, p.value]));
    expect(props).toMatchObject({ pipeline: 'exported', stage: 'train', model: 'net', layout: 'NHWC' });
    expect(props.key).toMatch(/^[0-9a-f]{64}$/);

    // Two images through pipe.json's preprocessing, into the ONNX model and the run's tfjs model.
    const pixels = Array.from({ length: 2 * 16 * 16 * 3 }, (_, i) => (i * 37) % 256);
    const x = pixels.map((v, i) => (v / info.preprocessing.scale - info.preprocessing.mean[i % 3]) / info.preprocessing.std[i % 3]);
    const session = await ort.InferenceSession.create(bytes);
    const got = (await session.run({ 'net/input': new ort.Tensor('float32', Float32Array.from(x), [2, 16, 16, 3]) }))['net/logits'].data as Float32Array;
    await session.release();
    const stage = join(top, 'outputs', 'runs', readdirSync(join(top, 'outputs', 'runs'))[0], 'train');
    const manifest = JSON.parse(readFileSync(join(stage, 'model.json'), 'utf8'));
    const w = readFileSync(join(stage, 'weights.bin'));
    const stored = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: manifest.weightsManifest[0].weights, weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) }));
    const want = (stored.predict(tf.tensor4d(x, [2, 16, 16, 3])) as tf.Tensor).dataSync();
    expect(got.length).toBe(6);
    expect(maxAbsDiff(want, got)).toBeLessThanOrEqual(1e-4);
  });

  it('records the format; switching formats in one folder leaves the other format\'s files, pipe.json says which is current', () => {
    const tfjs = runPipe(['export', 'p.yaml', '--stage', 'train', '--workers', '1', '--format', 'tfjs-engine', '-o', 'both'], { cwd: top });
    expect(tfjs.code, tfjs.stderr).toBe(0);
    expect(tfjs.stdout).toBe(`exported exported/train (net, 3 classes) to ${join(top, 'both')}\n`);
    expect(JSON.parse(readFileSync(join(top, 'both', 'pipe.json'), 'utf8'))).toMatchObject({ format: 'tfjs-engine', customLayers: ['BatchNormalization', 'PipeTorchPad2D'] });
    const onnx = runPipe(['export', 'p.yaml', '--stage', 'train', '--workers', '1', '--format', 'onnx', '-o', 'both'], { cwd: top });
    expect(onnx.code, onnx.stderr).toBe(0);
    expect(readdirSync(join(top, 'both')).sort()).toEqual(['.pipe-export.json', 'model.json', 'model.onnx', 'pipe.json', 'weights.bin']);
    expect(JSON.parse(readFileSync(join(top, 'both', 'pipe.json'), 'utf8')).format).toBe('onnx');
  });

  it('refuses an unknown format, and a damaged stored model, writing nothing', () => {
    const bad = runPipe(['export', 'p.yaml', '--stage', 'train', '--workers', '1', '--format', 'onnx2', '-o', 'x'], { cwd: top });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: --format expects one of tfjs, tfjs-engine, onnx, found 'onnx2'\n");

    const run = readdirSync(join(top, 'outputs', 'runs'))[0];
    const copy = join(top, 'damaged-run');
    cpSync(join(top, 'outputs', 'runs', run), copy, { recursive: true });
    truncateSync(join(copy, 'train', 'weights.bin'), 100);
    const damaged = runPipe(['export', copy, '--stage', 'train', '--format', 'onnx', '-o', 'y'], { cwd: top });
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toBe(
      `error: ${join(copy, 'train', 'model.json')}: weight 'net/conv_0/kernel' of shape [3, 3, 3, 8] needs 864 bytes at offset 0, but the weight files hold 100 bytes (the weight file is truncated or belongs to another model.json)\n`,
    );
    expect(existsSync(join(top, 'y', 'model.onnx'))).toBe(false);
  });
});
