// A compiled model, saved in the tfjs layers format, loads and runs in a real browser and gives
// the numbers Node gives. The engine's own layers are bundled for the page from src/ (esbuild),
// with '@tensorflow/tfjs' mapped to the page's tf.min.js.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { saveModel } from '../../src/train/weights.js';
import { hasChromium, withEnginePage } from '../helpers/browser.js';

// Every custom layer: padded conv and max pool (TorchPad2D), conv_transpose, scale, dropout.
const PIPELINE = `name: browser
dataset: {format: image-folder, root: data}
models:
  m:
    input: [8, 8, 3]
    nodes:
      - {op: conv, name: a, filters: 4, kernel: 3, padding: 1}
      - {op: batchnorm}
      - {op: maxpool, kernel: 3, stride: 2, padding: 1}
      - {op: conv_transpose, filters: 3, kernel: 3, stride: 2, padding: 1, output_padding: 1}
      - {op: scale, factor: 0.1}
      - {op: flatten}
      - {op: dropout, p: 0.5}
      - {op: dense, units: 5, activation: softmax}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`;

describe.skipIf(!hasChromium)('the tfjs layers format in a browser', () => {
  it('loads a saved model in Chromium and predicts what Node predicts', async () => {
    await initBackend({ backend: 'cpu' });
    const dir = mkdtempSync(join(tmpdir(), 'pipe-browser-'));
    writeFileSync(join(dir, 'p.yaml'), PIPELINE);
    const { pipeline, locate } = await resolvePipeline('p.yaml', { cwd: dir });
    const model = compileGraphs(pipeline, analyzeGraphs(pipeline, locate)).model('m');
    await saveModel(model, join(dir, 'model'), tf);
    const input = Array.from({ length: 8 * 8 * 3 }, (_, i) => Math.sin(i) * 2);
    const expected = Array.from((model.predict(tf.tensor4d(input, [1, 8, 8, 3])) as tf.Tensor).dataSync());

    const files = Object.fromEntries(readdirSync(join(dir, 'model')).map((f) => [`/model/${f}`, { path: join(dir, 'model', f) }]));
    const { result: got, errors } = await withEnginePage(files, (page) =>
      page.evaluate(async (x) => {
        const t = (globalThis as unknown as { tf: typeof tf }).tf;
        await t.setBackend('cpu');
        const m = await t.loadLayersModel('/model/model.json');
        return Array.from((m.predict(t.tensor4d(x, [1, 8, 8, 3])) as tf.Tensor).dataSync());
      }, input),
    );
    expect(errors).toEqual([]);
    expect(got).toHaveLength(5);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  }, 120_000);
});
