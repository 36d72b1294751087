// Two `pipe run` on the same outputs at once: the second stops with a message naming the first
// (or, with --wait, waits and reuses what the first trained); nothing is corrupted. And
// --warm-start: a run whose stage changed since starts from that run's weights when asked.
import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runPipe } from '../helpers/cli.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

const PIPELINE = `name: shared
dataset: {format: tiny-imagenet, root: data, image_size: [16, 16]}
models:
  net:
    input: [16, 16, 3]
    nodes:
      - {op: conv, name: c, filters: 8, kernel: 3, padding: 1}
      - {op: relu}
      - {op: global_avgpool}
      - {op: dense, name: out, units: 3}
stages:
  train:
    kind: classify
    model: net
    train: {split: train}
    val: {split: val}
    epochs: 6
    batch_size: 8
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
`;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pipe-concurrent-'));
  symlinkSync((await buildTinyImageNet({ classes: 3, trainPerClass: 24, valPerClass: 4, size: 16 })).root, join(dir, 'data'));
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
}, 120_000);

function start(args: string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; started: Promise<void> } {
  const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), 'run', 'p.yaml', '--workers', '1', ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  let onStarted!: () => void;
  const started = new Promise<void>((r) => (onStarted = r));
  child.stdout.on('data', (d) => {
    stdout += d;
    if (/epoch 1\//.test(stdout)) onStarted();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.on('exit', (code) => (onStarted(), r({ code, stdout, stderr }))));
  return { done, started };
}

describe('two runs at once', () => {
  it('the second stops naming the first, or waits with --wait and reuses its result', async () => {
    // Long enough that the others reach the stage while the first still trains it (a run's start,
    // its provenance included, takes about a second; 40 epochs of this stage took 3-4 s here, too
    // close); the waiting run starts with the blocked one, not after it.
    const long = ['--set', 'stages.train.epochs=150'];
    const first = start(['--outputs', 'out', ...long]);
    await first.started;
    const waiting = start(['--outputs', 'out', '--wait', ...long]);
    const blocked = runPipe(['run', 'p.yaml', '--workers', '1', '--outputs', 'out', ...long], { cwd: dir });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/shared, stage train: another pipe run holds .*\.lock \(pid \d+ on .*, since .*: shared, stage train\)/);
    expect(blocked.stderr).toMatch(/pass --wait to wait for it/);
    const [a, b] = [await first.done, await waiting.done];
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/warning: stage train: waiting for pid \d+, which is training it/);
    expect(b.stdout).toMatch(/\[train\] reused from the cache/);
    const after = runPipe(['cache', 'ls', '--outputs', 'out'], { cwd: dir });
    expect(after.stdout).toMatch(/ shared +train .* complete$/m);
    expect(after.stderr).toBe('');
  }, 300_000);
});

describe('--warm-start', () => {
  it('refuses a changed stage on --resume, and starts a new run from its weights with --warm-start', () => {
    const base = runPipe(['run', 'p.yaml', '--workers', '1', '--outputs', 'warm', '--set', 'stages.train.epochs=2', '--quiet'], { cwd: dir });
    expect(base.code, base.stderr).toBe(0);
    const runDir = /run folder: (.*)/.exec(base.stdout)![1];
    const changed = ['--set', 'stages.train.epochs=2', '--set', 'stages.train.optimizer.lr=0.01'];
    const refused = runPipe(['run', 'p.yaml', '--workers', '1', '--outputs', 'warm', '--resume', runDir, ...changed], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/stage 'train' changed since the run in .* was made: optimizer \(run it afresh without --resume, or add --warm-start/);
    const warm = runPipe(['run', 'p.yaml', '--workers', '1', '--outputs', 'warm', '--resume', runDir, '--warm-start', '--json', ...changed], { cwd: dir });
    expect(warm.code, warm.stderr).toBe(0);
    const cold = runPipe(['run', 'p.yaml', '--workers', '1', '--outputs', 'warm', '--json', ...changed], { cwd: dir });
    const epochs = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === 'epoch');
    // Started from trained weights, the first epoch's training loss is below a cold start's.
    expect(epochs(warm.stdout)[0].train.loss).toBeLessThan(epochs(cold.stdout)[0].train.loss);
    const end = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'end');
    expect(end(warm.stdout).dir).not.toBe(runDir);
    // The warm start is part of the key: the cold run did not reuse it.
    expect(end(cold.stdout).reused).toEqual([]);
  }, 300_000);
});
