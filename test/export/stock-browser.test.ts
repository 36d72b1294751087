// The stock export in a real browser: a page holding only stock tf.min.js (no engine code, every
// request outside the loopback server blocked) loads exported models with tf.loadLayersModel
// and scores what the engine scores in Node, to 1e-4: the demo model and the 9-conv ResNet
// (BatchNorm, padded convs) at full size with their seeded random init.
import { readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { readLayersModel, writeExportModel } from '../../src/export/index.js';
import { hasChromium } from '../helpers/browser.js';
import { maxDifference, savedModel, type SavedModel } from '../helpers/stock-export.js';
import { withStockPage } from '../helpers/stock-page.js';

const MODELS = [['demo', 'net'], ['resnet9', 'resnet9']] as const;

describe.skipIf(!hasChromium)('stock export in Chromium', () => {
  const saved = new Map<string, SavedModel>();
  const files: Record<string, { path: string }> = {};
  const engineClasses = new Set<string>();

  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    for (const [file, model] of MODELS) {
      const m = await savedModel(`pipelines/${file}.yaml`, model);
      saved.set(model, m);
      const out = mkdtempSync(join(tmpdir(), 'pipe-stock-web-'));
      await writeExportModel('tfjs', m.dir, out);
      for (const f of readdirSync(out)) files[`/${model}/${f}`] = { path: join(out, f) };
      for (const f of readdirSync(m.dir)) files[`/${model}-engine/${f}`] = { path: join(m.dir, f) };
      for (const l of readLayersModel(m.dir).topology.config.layers) engineClasses.add(l.class_name);
    }
  }, 300_000);

  it('loads the demo model and resnet9 with stock tf.min.js alone and scores as the engine', async () => {
    expect([...engineClasses].filter((c) => c.startsWith('Pipe'))).toEqual(['PipeTorchPad2D']);
    const jobs = MODELS.map(([, model]) => ({ model, shape: [...saved.get(model)!.shape], input: [...saved.get(model)!.input] }));
    const run = await withStockPage(files, (page) =>
      page.evaluate(async (list) => {
        const t = (globalThis as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf;
        await t.setBackend('cpu');
        const scores: number[][] = [];
        for (const j of list) {
          const m = await t.loadLayersModel(`/${j.model}/model.json`);
          scores.push(Array.from((m.predict(t.tensor(j.input, j.shape)) as import('@tensorflow/tfjs').Tensor).dataSync()));
        }
        // What the page has: stock tfjs's layers, and none of the engine's: the stored form fails.
        const registered = Object.keys(t.serialization.SerializationMap.getMap().classNameMap);
        const engineForm = await t.loadLayersModel('/net-engine/model.json').then(() => 'loaded', (e: Error) => e.message);
        return { scores, engine: registered.filter((c) => c.startsWith('Pipe')), engineForm };
      }, jobs),
    );
    expect(run.errors).toEqual([]);
    expect(run.blocked).toEqual([]);
    expect(run.requests.every((u) => u.startsWith('http://127.0.0.1:'))).toBe(true);
    expect(run.result.engine).toEqual([]);
    expect(run.result.engineForm).toContain('Unknown layer: PipeTorchPad2D');
    MODELS.forEach(([, model], i) => {
      expect(run.result.scores[i].length).toBe(saved.get(model)!.expected.length);
      expect(maxDifference(run.result.scores[i], saved.get(model)!.expected)).toBeLessThan(1e-4);
    });
  }, 300_000);
});
