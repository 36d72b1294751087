// bench:seed's child (bench/lib/seed-stage.ts) on a tiny generated tree: one stage, one step, the
// real data path and trainer; every figure it reports must be a sane number. And how it splits a
// batch that does not fit one wasm heap.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fittingMicroBatch, fittingSplit } from '../../bench/lib/step-timer.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { writeTinyImageNetLike } from '../../src/data/tiny-imagenet-like.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
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

describe('how bench:seed splits a batch that outgrows the wasm heap (fittingSplit)', () => {
  const planned = async (file: string, sets: string[] = []) => {
    const { pipeline, locate } = await resolvePipeline(join(REPO, 'pipelines', file), { cwd: REPO, sets });
    return { p: pipeline, plan: analyzeGraphs(pipeline, locate) };
  };

  it('gives the DenseNet (BatchNorm) more workers, each part whole, so the statistics stay the batch\'s', async () => {
    const { p, plan } = await planned('densenet.yaml');
    const split = fittingSplit(p, plan, 'cycle1', 2, 'wasm-onednn');
    expect(split.micro_batch).toBeNull();
    expect(split.workers).toBeGreaterThan(2);
    // The parts fit as micro_batch would have: each no larger than the pieces it would cut.
    expect(Math.ceil(64 / split.workers)).toBeLessThanOrEqual(fittingMicroBatch(p, plan, 'cycle1', 2, 'wasm-onednn')!);
    // Where the batch fits, nothing changes; off wasm no heap bounds it.
    expect(fittingSplit(p, plan, 'cycle1', 64, 'wasm-onednn')).toEqual({ workers: 64, micro_batch: null });
    expect(fittingSplit(p, plan, 'cycle1', 1, 'tensorflow')).toEqual({ workers: 1, micro_batch: null });
  });

  it('splits a model without BatchNorm in micro-batches on the workers it has; a micro_batch already set stays the way', async () => {
    const { p, plan } = await planned('alexnet.yaml', ['stages.train.batch_size=8192']);
    const split = fittingSplit(p, plan, 'train', 2, 'wasm');
    expect(split.workers).toBe(2);
    expect(split.micro_batch).toBe(fittingMicroBatch(p, plan, 'train', 2, 'wasm'));
    expect(split.micro_batch).toBeLessThan(4096);
    const set = await planned('densenet.yaml', ['stages.cycle1.micro_batch=16']);
    expect(fittingSplit(set.p, set.plan, 'cycle1', 1, 'wasm').workers).toBe(1);
  });
});
