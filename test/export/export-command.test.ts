// `pipe export` and its --format, run as the real binary on run folders made without training (a
// compiled model saved where pipe run saves a stage's model): the stock default, the engine's
// form, and the exact messages for a bad format, a layer with no stock form and a damaged model.
import * as tf from '@tensorflow/tfjs';
import { dump } from 'js-yaml';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { STOCK_CLASSES } from '../../src/export/index.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { saveModel } from '../../src/train/weights.js';
import { runPipe } from '../helpers/cli.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

let data: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  data = (await buildTinyImageNet({ classes: 3, trainPerClass: 1, valPerClass: 1, test: 0, size: 8 })).root;
}, 120_000);

/** A folder holding run/ (a run folder of one stage `s` whose model is `nodes`); returns the folder. */
async function runFolder(nodes: readonly string[]): Promise<string> {
  const top = mkdtempSync(join(tmpdir(), 'pipe-export-cmd-'));
  writeFileSync(join(top, 'p.yaml'), `name: exported
dataset: {format: tiny-imagenet, root: ${JSON.stringify(data)}, image_size: [8, 8]}
models:
  m:
    input: [8, 8, 3]
    nodes:
${nodes.map((n) => `      - ${n}`).join('\n')}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`);
  const { pipeline, locate } = await resolvePipeline('p.yaml', { cwd: top });
  const model = compileGraphs(pipeline, analyzeGraphs(pipeline, locate)).model('m');
  const run = join(top, 'run');
  mkdirSync(run);
  await saveModel(model, join(run, 's'), tf);
  model.dispose();
  writeFileSync(join(run, 'pipeline.yaml'), dump(pipeline, { lineWidth: -1, noRefs: true, skipInvalid: true }));
  writeFileSync(join(run, 'run.json'), JSON.stringify({ stages: ['s'], keys: { s: 'k'.repeat(64) } }));
  return top;
}

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const PADDED = ['{op: conv, filters: 4, kernel: 3, padding: 1}', '{op: relu}', '{op: maxpool, kernel: 3, stride: 2, padding: 1}', '{op: global_avgpool}', '{op: dense, units: 3}'];

describe('pipe export --format', () => {
  it('writes stock layers by default, and says so in pipe.json', async () => {
    const top = await runFolder(PADDED);
    const r = runPipe(['export', 'run', '--stage', 's', '-o', 'web'], { cwd: top });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`exported exported/s (m, 3 classes) to ${join(top, 'web')}\n`);
    const info = json(join(top, 'web', 'pipe.json'));
    expect(info.format).toBe('tfjs');
    expect(info.customLayers).toEqual([]);
    const classes = json(join(top, 'web', 'model.json')).modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
    // The conv pads as TF's 'same' (3x3, stride 1, padding 1): no padding layer before it.
    expect(classes).toEqual(['InputLayer', 'Conv2D', 'ReLU', 'ZeroPadding2D', 'MaxPooling2D', 'GlobalAveragePooling2D', 'Dense']);
    expect(classes.every((c: string) => STOCK_CLASSES.has(c))).toBe(true);
  });

  it('--format tfjs-engine writes the stored model as it is, listing the engine layers', async () => {
    const top = await runFolder(PADDED);
    const r = runPipe(['export', 'run', '--stage', 's', '-o', 'web', '--format', 'tfjs-engine'], { cwd: top });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = json(join(top, 'web', 'pipe.json'));
    expect(info.format).toBe('tfjs-engine');
    expect(info.customLayers).toEqual(['PipeTorchPad2D']);
    for (const f of ['model.json', 'weights.bin']) expect(readFileSync(join(top, 'web', f)).equals(readFileSync(join(top, 'run', 's', f)))).toBe(true);
  });

  it('refuses an unknown format', async () => {
    const top = await runFolder(PADDED);
    const r = runPipe(['export', 'run', '--stage', 's', '-o', 'web', '--format', 'keras'], { cwd: top });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: --format expects one of tfjs, tfjs-engine, onnx, found 'keras'\n");
    expect(existsSync(join(top, 'web'))).toBe(false);
  });

  it('refuses a layer with no stock form, naming it, and writes no model', async () => {
    const top = await runFolder(['{op: upsample, name: up, mode: bilinear}', '{op: global_avgpool}', '{op: dense, units: 3}']);
    const r = runPipe(['export', 'run', '--stage', 's', '-o', 'web'], { cwd: top });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: cannot export model 'm' for stock TensorFlow.js: layer 'm/up' (PipeTorchUpsample2D): it upsamples bilinearly as PyTorch's align_corners=False, at half-pixel centres; stock UpSampling2D samples at the corners and has no option for it (--format tfjs-engine exports the engine's layers as they are (register src/graph/layers before tf.loadLayersModel))\n",
    );
    expect(existsSync(join(top, 'web', 'model.json'))).toBe(false);
    // The engine's form has it.
    expect(runPipe(['export', 'run', '--stage', 's', '-o', 'web', '--format', 'tfjs-engine'], { cwd: top }).code).toBe(0);
  });

  it.each([
    ['a weight file outside the folder', (m: { weightsManifest: { paths: string[] }[] }) => { m.weightsManifest[0].paths = ['../s/weights.bin']; }, 'weight file "../s/weights.bin" is not a file name in RUN/s (export a model that pipe run saved, or run its stage again)'],
    ['a weight larger than weights.bin', (m: { weightsManifest: { weights: { shape: number[] }[] }[] }) => { m.weightsManifest[0].weights[0].shape = [1e9, 1e9]; }, "weight 'm/conv_0/kernel' of shape [1000000000, 1000000000] needs 4000000000000000000 bytes at offset 0, but the weight files hold 124 bytes (the weight file is truncated or belongs to another model.json)"],
    ['a dtype pipe never writes', (m: { weightsManifest: { weights: { dtype: string }[] }[] }) => { m.weightsManifest[0].weights[1].dtype = 'int32'; }, "weightsManifest weight 1: weight 'm/conv_0/bias' is 'int32'; pipe saves float32 weights only (export a model that pipe run saved, or run its stage again)"],
  ] as const)('refuses a damaged model.json in every format (one reader): %s', async (_name, damage, why) => {
    const top = await runFolder(['{op: conv, filters: 4, kernel: 1}', '{op: global_avgpool}', '{op: dense, units: 3}']);
    const file = join(top, 'run', 's', 'model.json');
    const manifest = json(file);
    damage(manifest);
    writeFileSync(file, JSON.stringify(manifest));
    for (const format of ['tfjs', 'tfjs-engine', 'onnx']) {
      const r = runPipe(['export', 'run', '--stage', 's', '-o', 'web', '--format', format], { cwd: top });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: ${file}: ${why.replace('RUN', join(top, 'run'))}\n`);
    }
  });

  it('refuses a model.json that is not JSON', async () => {
    const top = await runFolder(PADDED);
    writeFileSync(join(top, 'run', 's', 'model.json'), '{"modelTopology": ');
    const r = runPipe(['export', 'run', '--stage', 's', '-o', 'web'], { cwd: top });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*model\.json: not JSON \(.*\) \(export a model that pipe run saved, or run its stage again\)\n$/);
  });
});
