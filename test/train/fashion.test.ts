// Real data in CI: the report's ResNet recipe (pipelines/fashion-resnet.yaml) on a fixed subset of
// Fashion-MNIST (6,000 training images, 1,000 test images, 4 epochs) must reach 80% test
// accuracy: a broken optimiser, loss, data order, label alignment or augmentation would not.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { runPipeline } from '../../src/train/run.js';
import { REPO } from '../helpers/cli.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
const present = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));
if (!present) console.warn(`skipping the Fashion-MNIST test: ${FASHION} is missing (apt-get install dataset-fashion-mnist)`);

describe.skipIf(!present)('Fashion-MNIST subset', () => {
  it('reaches 80% test accuracy in 4 epochs on 6,000 images', async () => {
    await initBackend({ backend: 'wasm' });
    const sets = ['stages.train.train.max_images=6000', 'stages.train.val.max_images=1000', 'stages.train.epochs=4', 'stages.train.schedule.milestones=[3]'];
    const { pipeline, locate } = await resolvePipeline('pipelines/fashion-resnet.yaml', { cwd: REPO, sets });
    const lines: string[] = [];
    const result = await runPipeline(pipeline, analyzeGraphs(pipeline, locate), {
      tf,
      backend: { kind: 'wasm', versions: {}, details: {} },
      outputs: mkdtempSync(join(tmpdir(), 'pipe-fashion-')),
      stages: [],
      workers: 1,
      shouldStop: () => false,
      events: { stageStart: () => {}, epoch: (r) => lines.push(`epoch ${r.epoch}: val ${r.val?.top1}`), stageEnd: () => {} },
    });
    expect(result.rows[0].bestValTop1, lines.join('\n')).toBeGreaterThanOrEqual(0.8);
  }, 600_000);
});
