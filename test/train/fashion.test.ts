// Real data in CI: the report's ResNet recipe (pipelines/fashion-resnet.yaml) on a fixed subset of
// Fashion-MNIST (6,000 training images, 1,000 test images, 4 epochs) must reach 80% test
// accuracy: a broken optimiser, loss, data order, label alignment or augmentation would not.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { REPO } from '../helpers/cli.js';
import { runFile } from '../helpers/run.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
const present = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));
if (!present) console.warn(`skipping the Fashion-MNIST test: ${FASHION} is missing (apt-get install dataset-fashion-mnist)`);

describe.skipIf(!present)('Fashion-MNIST subset', () => {
  it('reaches 80% test accuracy in 4 epochs on 6,000 images', async () => {
    await initBackend({ backend: 'wasm' });
    const sets = ['stages.train.train.max_images=6000', 'stages.train.val.max_images=1000', 'stages.train.epochs=4', 'stages.train.schedule.milestones=[3]'];
    const { result, records } = await runFile('pipelines/fashion-resnet.yaml', { cwd: REPO, outputs: mkdtempSync(join(tmpdir(), 'pipe-fashion-')), sets, workers: 1 });
    const lines = records.map((r) => `epoch ${r.epoch}: val ${r.val?.top1}`);
    expect(result.rows[0].bestValTop1, lines.join('\n')).toBeGreaterThanOrEqual(0.8);
  }, 600_000);
});
