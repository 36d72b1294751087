// bench:seed's child (bench/lib/seed-stage.ts) on a tiny generated tree: one stage, one step, the
// real data path and trainer; every figure it reports must be a sane number.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyImageNetLike } from '../../src/data/tiny-imagenet-like.js';
import { REPO } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pipe-seed-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench:seed child', () => {
  it('times task2-ae/finetune end to end on a tiny tree and reports every field', async () => {
    // Five train images per class (1,000), 20 val images: 10% stratified rounds to one per class.
    await writeTinyImageNetLike({ root: dir, seed: 0, trainPerClass: 5, valImages: 20, testImages: 1 });
    const setting = { file: join(REPO, 'pipelines', 'task2-ae.yaml'), stage: 'finetune', data: dir, warmup: 0, steps: 1 };
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'seed.ts'), '--child', JSON.stringify(setting)], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    expect(m).toMatchObject({ pipeline: 'task2_ae', stage: 'finetune', batch: 64, steps: 1, train_split_images: 1000, train_items: 200, val_images: 20 });
    for (const k of ['decode_s', 'cache_mb', 'data_img_s', 'step_img_s', 'val_s', 'peak_rss_mb', 'parameters', 'threads', 'loader_workers']) {
      expect(Number.isFinite(m[k]) && (m[k] as number) > 0, `${k} = ${String(m[k])}`).toBe(true);
    }
    // The decoded cache holds both splits as uint8: 1,020 images of 64 x 64 x 3, and a little more.
    expect(m.cache_mb as number).toBeGreaterThanOrEqual((1020 * 64 * 64 * 3) / 2 ** 20);
    expect(m.parameters).toBe(2_051_240);
  }, 90_000);
});
