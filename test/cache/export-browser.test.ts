// `pipe export --format tfjs-engine` writes what a page needs: the page loads model.json with the
// engine's layers registered, reads pipe.json's class names and preprocessing, classifies an
// image, and gets the class Node gets from the same files. (The default, stock format needs no
// engine layers: test/export/stock-browser.test.ts.)
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/graph/layers/index.js';
import { hasChromium, withEnginePage } from '../helpers/browser.js';
import { runPipe } from '../helpers/cli.js';
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
      - {op: dense, units: 3}
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

describe.skipIf(!hasChromium)('pipe export', () => {
  it('writes a model and pipe.json that a page loads and classifies with', async () => {
    const top = mkdtempSync(join(tmpdir(), 'pipe-export-'));
    symlinkSync((await buildTinyImageNet({ classes: 3, trainPerClass: 16, valPerClass: 4, size: 16 })).root, join(top, 'data'));
    writeFileSync(join(top, 'p.yaml'), PIPELINE);
    const trained = runPipe(['run', 'p.yaml', '--workers', '1'], { cwd: top });
    expect(trained.code, trained.stderr).toBe(0);
    const exported = runPipe(['export', 'p.yaml', '--stage', 'train', '--workers', '1', '-o', 'web', '--format', 'tfjs-engine'], { cwd: top });
    expect(exported.code, exported.stderr).toBe(0);
    const info = JSON.parse(readFileSync(join(top, 'web', 'pipe.json'), 'utf8'));
    expect(info.preprocessing).toEqual({ scale: 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], eval_steps: [] });
    expect(info.format).toBe('tfjs-engine');
    expect(info.customLayers).toContain('PipeTorchPad2D');

    // The same pixels through the same preprocessing in Node and in the page.
    const pixels = Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37) % 256);
    const files = Object.fromEntries(readdirSync(join(top, 'web')).map((f) => [f, readFileSync(join(top, 'web', f))]));
    await tf.setBackend('cpu');
    const manifest = JSON.parse(files['model.json'].toString());
    const w = files['weights.bin'];
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: manifest.weightsManifest[0].weights, weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) }));
    const prep = (p: number[]) => p.map((v, i) => (v / info.preprocessing.scale - info.preprocessing.mean[i % 3]) / info.preprocessing.std[i % 3]);
    const expected = Array.from((model.predict(tf.tensor4d(prep(pixels), [1, 16, 16, 3])) as tf.Tensor).dataSync());

    const web = Object.fromEntries(Object.keys(files).map((f) => [`/web/${f}`, { path: join(top, 'web', f) }]));
    const { result: got, errors } = await withEnginePage(web, (page) =>
      page.evaluate(async (raw) => {
        const t = (globalThis as unknown as { tf: typeof tf }).tf;
        await t.setBackend('cpu');
        const meta = await (await fetch('/web/pipe.json')).json();
        const m = await t.loadLayersModel('/web/model.json');
        const x = raw.map((v, i) => (v / meta.preprocessing.scale - meta.preprocessing.mean[i % 3]) / meta.preprocessing.std[i % 3]);
        const scores = Array.from((m.predict(t.tensor4d(x, [1, ...meta.input] as [number, number, number, number])) as tf.Tensor).dataSync());
        return { scores, label: meta.classNames[scores.indexOf(Math.max(...scores))] };
      }, pixels),
    );
    expect(errors).toEqual([]);
    got.scores.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    expect(info.classNames).toContain(got.label);
  }, 180_000);
});
