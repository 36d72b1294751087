// Every seed pipeline's model (the ones its stages train), at full size with its seeded random
// init, exported in the stock format: stock @tensorflow/tfjs in a process of its own, where no
// engine layer is registered, loads it and predicts what the engine predicts, to 1e-4. Both
// sides on wasm (stock tfjs-backend-wasm in the child): on the cpu backend DenseNet alone takes
// minutes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { readLayersModel, STOCK_CLASSES, writeExportModel } from '../../src/export/index.js';
import { maxDifference, savedModel, stockPredict, type SavedModel } from '../helpers/stock-export.js';

const SEED_MODELS = [
  ['demo', 'net'],
  ['alexnet', 'alexnet'],
  ['resnet9', 'resnet9'],
  ['inception-resnet', 'inception_resnet'],
  ['densenet', 'densenet'],
  ['task2-ae', 'autoencoder'],
  ['task2-ae', 'classifier'],
] as const;

const runs = new Map<string, { saved: SavedModel; engineClasses: string[]; stockClasses: string[]; out: string }>();
let predicted: ReturnType<typeof stockPredict>;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  for (const [file, model] of SEED_MODELS) {
    const saved = await savedModel(`pipelines/${file}.yaml`, model);
    const out = mkdtempSync(join(tmpdir(), 'pipe-stock-seed-'));
    const stock = (await writeExportModel('tfjs', saved.dir, out)).topology;
    const engineClasses = readLayersModel(saved.dir).topology.config.layers.map((l) => l.class_name);
    runs.set(`${file}/${model}`, { saved, engineClasses, stockClasses: stock.config.layers.map((l) => l.class_name), out });
  }
  predicted = stockPredict([...runs.values()].map((r) => ({ dir: r.out, shape: r.saved.shape, input: r.saved.input })), 'wasm');
}, 600_000);

describe('seed models exported for stock tfjs', () => {
  it.each(SEED_MODELS.map(([f, m]) => `${f}/${m}`))('%s', (name) => {
    const run = runs.get(name)!;
    // The engine's form needs its layers where a model pads as TF's 'same' cannot (a strided conv
    // or pool on an even size, a max pool's -inf) or uses one of its own; the DenseNet's padded
    // convs are all 3x3 stride 1, which take 'same' (ops/conv.ts). The export holds stock ones only.
    expect(run.engineClasses.some((c) => c.startsWith('Pipe'))).toBe(name !== 'densenet/densenet');
    expect(run.stockClasses.filter((c) => !STOCK_CLASSES.has(c))).toEqual([]);
    expect(predicted.error).toBeUndefined();
    expect(predicted.backend).toBe('wasm');
    const got = predicted.outputs![[...runs.keys()].indexOf(name)];
    expect(got.length).toBe(run.saved.expected.length);
    expect(maxDifference(got, run.saved.expected)).toBeLessThan(1e-4);
  });
});
