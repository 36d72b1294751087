// bench:seed's child (bench/lib/seed-stage.ts) on a tiny generated tree: one stage, one step, the
// real data path and trainer; every figure it reports must be a sane number.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyImageNetLike } from '../../src/data/tiny-imagenet-like.js';
import { REPO } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pipe-seed-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const child = (extra: Record<string, unknown> = {}) => {
  const setting = { file: join(REPO, 'pipelines', 'task2-ae.yaml'), stage: 'finetune', data: dir, warmup: 0, steps: 1, ...extra };
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'seed.ts'), '--child', JSON.stringify(setting)], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
};

describe('bench:seed child', () => {
  // Five train images per class (1,000), 70 val images (one batch of 64 and a rest):
  // 10% stratified rounds to one per class.
  beforeAll(() => writeTinyImageNetLike({ root: dir, seed: 0, trainPerClass: 5, valImages: 70, testImages: 1 }));

  it('times task2-ae/finetune end to end on a tiny tree and reports every field', () => {
    const m = child();
    expect(m).toMatchObject({ pipeline: 'task2_ae', stage: 'finetune', batch: 64, steps: 1, train_split_images: 1000, train_items: 200, val_images: 70 });
    for (const k of ['decode_s', 'cache_mb', 'data_img_s', 'step_img_s', 'val_s', 'peak_rss_mb', 'parameters', 'threads', 'loader_workers']) {
      expect(Number.isFinite(m[k]) && (m[k] as number) > 0, `${k} = ${String(m[k])}`).toBe(true);
    }
    // The decoded cache holds both splits as uint8: 1,020 images of 64 x 64 x 3, and a little more.
    expect(m.cache_mb as number).toBeGreaterThanOrEqual((1070 * 64 * 64 * 3) / 2 ** 20);
    expect(m.parameters).toBe(2_051_240);
  }, 90_000);

  it('times the val pass over its first N batches when asked, and says how many images that was', () => {
    const m = child({ valBatches: 1 });
    expect(m.val_images).toBe(64);
    expect(Number.isFinite(m.val_s) && (m.val_s as number) > 0).toBe(true);
  }, 90_000);

  it('the PyTorch peer samples the val pass the same way', () => {
    const args = [join(REPO, 'bench', 'reference', 'seed_pipeline.py'), '--pipeline', 'task2-ae', '--stage', 'finetune', '--data', dir, '--steps', '1', '--warmup', '0', '--workers', '0'];
    const run = (extra: string[]) => {
      const r = spawnSync('/usr/bin/python3', [...args, ...extra], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number>;
    };
    expect(run(['--val-batches', '1']).val_images).toBe(64);
    expect(run([]).val_images).toBe(70);
  }, 90_000);
});
