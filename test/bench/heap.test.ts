// bench:heap on a small pipeline: it must step the stage and report a peak of buffers above what
// the model holds between steps, and a heap at least that large.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

describe('bench:heap', () => {
  it('reports each step\'s peak of live buffers and the heap after it', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'heap.ts'), '--file', 'pipelines/fashion-resnet.yaml', '--steps', '2', '--backend', 'wasm', '--set', 'stages.train.batch_size=8'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const ready = /ready: ([\d.]+) MB of buffers, heap ([\d.]+) MB/.exec(r.stdout);
    expect(ready, r.stdout).not.toBeNull();
    const steps = [...r.stdout.matchAll(/step (\d+): \d+ ms; buffers at the peak ([\d.]+) MB, after ([\d.]+) MB; heap ([\d.]+) MB; the process's peak RSS ([\d.]+) MB/g)];
    expect(steps.map((m) => Number(m[1]))).toEqual([1, 2]);
    for (const [, , peak, after, heap, rss] of steps.map((m) => m.map(Number))) {
      // Every buffer at the peak was written, so it was resident in this process then.
      expect(rss).toBeGreaterThanOrEqual(peak);
      // A step's activations and gradients come and go: its peak is above what stays.
      expect(peak).toBeGreaterThan(after);
      expect(after).toBeGreaterThanOrEqual(Number(ready![1]));
      expect(heap).toBeGreaterThanOrEqual(peak);
    }
  }, 90_000);

  it.each([
    [[], '--file PIPELINE is needed'],
    [['--file', 'pipelines/fashion-resnet.yaml', '--steps', '0'], '--steps: expected a whole number >= 1, got 0'],
    [['--file', 'pipelines/fashion-resnet.yaml', '--micro-batch', 'x'], '--micro-batch: expected a whole number >= 1, got x'],
    [['--file', 'pipelines/fashion-resnet.yaml', '--backend', 'cpu'], '--backend cpu is not a wasm backend'],
    [['--file', 'pipelines/no-such.yaml'], 'no-such.yaml'],
    [['--file', 'pipelines/fashion-resnet.yaml', '--stage', 'nope'], "has no stage 'nope' (it has train)"],
  ])('%j: says what is wrong in one line, exit 2', (args, message) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'heap.ts'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 90_000);

  it('steps a reconstruct stage (its target is its input)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'heap.ts'), '--file', 'pipelines/task2-ae.yaml', '--stage', 'pretrain', '--steps', '1', '--backend', 'wasm', '--set', 'stages.pretrain.batch_size=2'], { cwd: REPO, encoding: 'utf8', timeout: 90_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/step 1: \d+ ms; buffers at the peak/);
  }, 120_000);
});
