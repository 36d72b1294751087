// Zoo models (pipelines/zoo) exported in the stock format at 64x64 with their seeded init and
// BatchNorm statistics drawn away from 0 and 1 (as the ONNX tests; at init the logits are ~1e-9): stock
// @tensorflow/tfjs alone, in a process of its own, predicts what the engine predicts (both on
// wasm), to 1e-4 of the outputs' size. MobileNet and EfficientNet carry every new layer with a
// stock form (depthwise conv, relu6, hardswish, hardsigmoid, silu, squeeze-and-excitation,
// stochastic depth); ResNeXt-50 its 32-group convs. What has no stock form (VGG's adaptive pool to 7x7) is refused: tfjs-stock.test.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { STOCK_CLASSES, writeExportModel } from '../../src/export/index.js';
import { randomizeBatchNorm } from '../helpers/onnx.js';
import { maxDifference, savedModel, stockPredict, type SavedModel } from '../helpers/stock-export.js';

const MODELS = [['mobilenet', 'mobilenet_v2'], ['mobilenet', 'mobilenet_v3_small'], ['efficientnet', 'efficientnet_b0'], ['resnet', 'resnext50_32x4d']] as const;

const runs = new Map<string, { saved: SavedModel; classes: string[]; out: string }>();
let predicted: ReturnType<typeof stockPredict>;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  for (const [file, model] of MODELS) {
    const saved = await savedModel(`pipelines/zoo/${file}.yaml`, model, undefined, 0, (m) => randomizeBatchNorm(m, 5));
    const out = mkdtempSync(join(tmpdir(), 'pipe-stock-zoo-'));
    const stock = (await writeExportModel('tfjs', saved.dir, out)).topology;
    runs.set(model, { saved, classes: stock.config.layers.map((l) => l.class_name), out });
  }
  predicted = stockPredict([...runs.values()].map((r) => ({ dir: r.out, shape: r.saved.shape, input: r.saved.input })), 'wasm');
}, 600_000);

describe('zoo models exported for stock tfjs', () => {
  it.each(MODELS.map(([, m]) => m))('%s', (name) => {
    const run = runs.get(name)!;
    expect(run.classes.filter((c) => !STOCK_CLASSES.has(c))).toEqual([]);
    // MobileNet's and EfficientNet's depthwise convs stay depthwise; ResNeXt's groups become block-diagonal Conv2Ds.
    expect(run.classes).toContain(name.startsWith('resnext') ? 'Conv2D' : 'DepthwiseConv2D');
    expect(predicted.error).toBeUndefined();
    const got = predicted.outputs![[...runs.keys()].indexOf(name)];
    expect(got.length).toBe(1000);
    const size = run.saved.expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // 1e-4, and 1e-4 of the outputs' size where they are small (torchvision's init: about 0.05).
    const diff = maxDifference(got, run.saved.expected);
    console.log(`${name}: max |stock - engine| ${diff.toExponential(2)}, outputs up to ${size.toPrecision(3)}`);
    expect(diff).toBeLessThanOrEqual(1e-4 * Math.min(1, size));
    expect(new Set(got.slice(0, 100).map((v) => v.toPrecision(4))).size).toBeGreaterThan(20);
  });
});
