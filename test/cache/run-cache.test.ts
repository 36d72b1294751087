// The stage cache through the real binary: a second run of an unchanged pipeline reuses every
// stage without loading tfjs; changing only the fine-tuning lr reruns only the fine-tuning;
// `pipe cache ls/rm/gc` and `pipe export` work on what the runs left; and a run killed with
// SIGKILL at random points, run again each time, ends with exactly the weights and metrics of
// an uninterrupted run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/random.js';
import { DEFAULT_BACKEND, REPO, runPipe } from '../helpers/cli.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

let dir: string;

const PIPELINE = `name: cached
seed: 5
dataset: {format: tiny-imagenet, root: data, image_size: [16, 16]}
augment:
  flip: [{op: random_horizontal_flip}]
  holes: [{op: cutout, num_holes: 2, max_h_size: 4, max_w_size: 4, p: 1}]
models:
  encoder:
    input: [16, 16, 3]
    nodes:
      - {op: conv, name: c1, filters: 8, kernel: 3, padding: 1}
      - {op: batchnorm}
      - {op: relu}
  decoder:
    input: encoder
    nodes:
      - {op: conv, name: out, filters: 3, kernel: 3, padding: 1, activation: sigmoid}
  head:
    input: encoder
    nodes:
      - {op: global_avgpool}
      - {op: dropout, p: 0.2}
      - {op: dense, name: logits, units: 3}
  autoencoder: {compose: [encoder, decoder]}
  classifier: {compose: [encoder, head]}
stages:
  pretrain:
    kind: reconstruct
    model: autoencoder
    train: {split: train, unlabelled: true}
    corrupt: holes
    epochs: 2
    batch_size: 16
    optimizer: {type: adam, lr: 0.01}
    checkpoint_every: 0.001
  finetune:
    kind: classify
    needs: [pretrain]
    model: classifier
    init: {encoder: pretrain}
    train: {split: train, augment: flip}
    val: {split: val}
    epochs: 3
    batch_size: 16
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
    schedule: {type: step, step_size: 2, gamma: 0.5}
    checkpoint_every: 0.001
`;

const FORBID_TFJS = { NODE_OPTIONS: `--import ${join(REPO, 'test/helpers/forbid-tfjs.mjs')}` };
const run = (outputs: string, extra: string[] = [], env: Record<string, string> = {}) =>
  runPipe(['run', 'p.yaml', '--outputs', outputs, '--workers', '1', '--loader-workers', '0', ...extra], { cwd: dir, env });

beforeAll(async () => {
  dir = (await buildTinyImageNet({ classes: 3, trainPerClass: 24, valPerClass: 6, size: 16 })).root;
  // buildTinyImageNet's root is the data set itself: the pipeline sits beside it as data/.
  const top = mkdtempSync(join(tmpdir(), 'pipe-run-cache-'));
  await import('node:fs').then((fs) => fs.symlinkSync(dir, join(top, 'data')));
  dir = top;
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
}, 120_000);

describe('the stage cache through pipe run', () => {
  it('reuses every stage of an unchanged pipeline without loading tfjs, and reruns only what a change reaches', () => {
    const outputs = join(dir, 'out-a');
    const first = run(outputs);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/\[pretrain\] epoch 2\/2/);
    expect(first.stdout).toMatch(/\[finetune\] epoch 3\/3/);
    const second = run(outputs, [], FORBID_TFJS);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/\[pretrain\] reused from the cache \(key [0-9a-f]{12}\)/);
    expect(second.stdout).toMatch(/\[finetune\] reused from the cache/);
    expect(second.stdout).toContain('reused from the cache: pretrain, finetune');
    expect(second.stdout).not.toMatch(/epoch \d/);
    // The summary and the copied artifacts are those of the first run.
    const table = (out: string) => out.slice(out.indexOf('| stage'), out.indexOf('\n\n', out.indexOf('| stage')));
    expect(table(second.stdout)).toBe(table(first.stdout));
    const runs = readdirSync(join(outputs, 'runs')).sort();
    // run.json says how the run was made: its stages' keys, workers and loader threads.
    const made = JSON.parse(readFileSync(join(outputs, 'runs', runs[0], 'run.json'), 'utf8'));
    expect(made).toMatchObject({ pipeline: 'cached', stages: ['pretrain', 'finetune'], workers: 1, loaderWorkers: 0 });
    expect(Object.values(made.keys)).toHaveLength(2);
    // The backend started after the folder was opened: its versions are recorded all the same.
    expect(made.backend.versions['@tensorflow/tfjs']).toMatch(/^\d+\.\d+/);
    expect(readFileSync(join(outputs, 'runs', runs[1], 'finetune', 'weights.bin'))).toEqual(readFileSync(join(outputs, 'runs', runs[0], 'finetune', 'weights.bin')));
    expect(readFileSync(join(outputs, 'runs', runs[1], 'metrics.jsonl'), 'utf8')).toBe(readFileSync(join(outputs, 'runs', runs[0], 'metrics.jsonl'), 'utf8'));

    const changed = run(outputs, ['--set', 'stages.finetune.optimizer.lr=0.02']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toMatch(/\[pretrain\] reused from the cache/);
    expect(changed.stdout).toMatch(/\[finetune\] epoch 3\/3/);

    const ls = runPipe(['cache', 'ls', '--outputs', outputs], { cwd: dir });
    expect(ls.stdout.trim().split('\n')).toHaveLength(4); // header, pretrain, two finetunes
    expect(ls.stdout).toMatch(/^key +pipeline +stage +size +age +state$/m);
    expect(ls.stdout.match(/ complete$/gm)).toHaveLength(3);

    // export: from the run folder, and from the pipeline through its key.
    const exported = runPipe(['export', join(outputs, 'runs', runs[0]), '--stage', 'finetune', '-o', join(dir, 'exported')], { cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    const info = JSON.parse(readFileSync(join(dir, 'exported', 'pipe.json'), 'utf8'));
    expect(info).toMatchObject({ pipeline: 'cached', stage: 'finetune', model: 'classifier', input: [16, 16, 3], preprocessing: { scale: 255 } });
    expect(info.classNames).toHaveLength(3);
    expect(readFileSync(join(dir, 'exported', 'weights.bin'))).toEqual(readFileSync(join(outputs, 'runs', runs[0], 'finetune', 'weights.bin')));
    const fromPipeline = runPipe(['export', 'p.yaml', '--outputs', outputs, '--workers', '1', '--stage', 'pretrain', '-o', join(dir, 'exported-pre')], { cwd: dir });
    expect(fromPipeline.code, fromPipeline.stderr).toBe(0);
    const missing = runPipe(['export', 'p.yaml', '--outputs', outputs, '--workers', '1', '--stage', 'finetune', '--set', 'stages.finetune.epochs=9', '-o', join(dir, 'x')], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(new RegExp(String.raw`stage 'finetune' of p\.yaml is not in the cache for its current definition \(key [0-9a-f]{12}, backend ${DEFAULT_BACKEND}, 1 training workers\) \(run it first: pipe run p\.yaml --stage finetune, or give --workers as the run did\)`));

    // gc keeps what run folders name; --keep-last 1 keeps the newest finetune only.
    expect(runPipe(['cache', 'gc', '--outputs', outputs], { cwd: dir }).stdout).toMatch(/freed 0 B; 3 entries kept/);
    const gc = runPipe(['cache', 'gc', '--keep-last', '1', '--outputs', outputs], { cwd: dir });
    expect(gc.stdout).toMatch(/^removed [0-9a-f]{12} {2}cached\/finetune/m);
    expect(gc.stdout).toMatch(/; 2 entries kept/);
    const key = /^([0-9a-f]{12}) +cached +pretrain/m.exec(runPipe(['cache', 'ls', '--outputs', outputs], { cwd: dir }).stdout)![1];
    expect(runPipe(['cache', 'rm', key, '--outputs', outputs], { cwd: dir }).stdout).toMatch(new RegExp(`^removed ${key} {2}cached/pretrain`));
    expect(runPipe(['cache', 'rm', 'zz', '--outputs', outputs], { cwd: dir }).stderr).toMatch(/'zz' is not a key/);
  }, 300_000);

  it('takes the training workers from the pipeline\'s workers, and --workers over it', () => {
    const outputs = join(dir, 'out-workers');
    const made = (out: string) => {
      const runs = readdirSync(join(outputs, 'runs')).sort();
      expect(out).toMatch(/\[pretrain\] epoch 1\/1/);
      return JSON.parse(readFileSync(join(outputs, 'runs', runs[runs.length - 1], 'run.json'), 'utf8')) as { workers: number; keys: Record<string, string> };
    };
    // In micro_batch pieces of 4, BatchNorm normalises each piece: the worker count (which cuts
    // the pieces) changes the result and is in the key.
    const args = ['run', 'p.yaml', '--outputs', outputs, '--stage', 'pretrain', '--set', 'stages.pretrain.epochs=1', '--set', 'stages.pretrain.micro_batch=4', '--set', 'workers=2'];
    const two = runPipe(args, { cwd: dir });
    expect(two.code, two.stderr).toBe(0);
    const a = made(two.stdout);
    const one = runPipe([...args, '--workers', '1'], { cwd: dir });
    expect(one.code, one.stderr).toBe(0);
    const b = made(one.stdout);
    expect([a.workers, b.workers]).toEqual([2, 1]);
    // The worker count is in the key, so the second run did not reuse the first.
    expect(a.keys.pretrain).not.toBe(b.keys.pretrain);
    // pipe export finds a stage by the same rule.
    const x = runPipe(['export', 'p.yaml', '--outputs', outputs, '--stage', 'finetune', '--set', 'workers=3', '-o', join(dir, 'x')], { cwd: dir });
    expect(x.stderr).toContain(`backend ${DEFAULT_BACKEND}, 3 training workers`);
    const bad = runPipe(['export', 'p.yaml', '--outputs', outputs, '--stage', 'finetune', '--workers', 'two', '-o', join(dir, 'x')], { cwd: dir });
    expect([bad.code, bad.stderr]).toEqual([2, "error: --workers expects a whole number >= 1, found 'two'\n"]);
  }, 300_000);

  it('ends a run killed with SIGKILL at random points, and run again each time, exactly as an uninterrupted run', async () => {
    // Longer stages than above, and each of the first five attempts killed at a random point
    // within about an epoch of its first epoch line, timed by that epoch: each gets only part of
    // the way, so several are killed, and their checkpoints resumed, before one finishes.
    const longer = ['--set', 'stages.pretrain.epochs=4', '--set', 'stages.finetune.epochs=12'];
    const whole = run(join(dir, 'out-whole'), longer);
    expect(whole.code, whole.stderr).toBe(0);
    const outputs = join(dir, 'out-killed');
    const rng = Rng.from(11, 'kill points');
    let kills = 0;
    let resumed = 0;
    for (let attempt = 0; attempt < 12; attempt++) {
      const r = await runKilledAfter(outputs, attempt < 5 ? 0.2 + 1.3 * rng.float() : null, longer);
      resumed += (r.stdout.match(/resuming at epoch/g) ?? []).length;
      if (r.killed) {
        kills++;
        continue;
      }
      expect(r.code, r.stderr).toBe(0);
      break;
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(resumed).toBeGreaterThanOrEqual(2);
    const last = (outputs: string) => {
      const runs = readdirSync(join(outputs, 'runs')).sort();
      return join(outputs, 'runs', runs[runs.length - 1]);
    };
    const a = last(join(dir, 'out-whole'));
    const b = last(outputs);
    for (const stage of ['pretrain', 'finetune']) expect(readFileSync(join(b, stage, 'weights.bin'))).toEqual(readFileSync(join(a, stage, 'weights.bin')));
    const metrics = (d: string) => readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => ({ ...JSON.parse(l), imagesPerSecond: 0, seconds: 0 }));
    expect(metrics(b)).toEqual(metrics(a));
    expect(existsSync(join(b, 'finetune', 'predictions.json'))).toBe(true);
  }, 600_000);
});

/**
 * Runs the pipeline; with `epochs`, kills it with SIGKILL that many epochs' time (as long as its
 * first epoch took, at least 50 ms) after its first epoch line. Timed by the run's own pace, not
 * in fixed milliseconds: on a fast machine a fixed time can fall after a stage ends, or while
 * tfjs is still loading, and then no checkpoint is ever resumed.
 */
function runKilledAfter(outputs: string, epochs: number | null, extra: string[]): Promise<{ killed: boolean; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), 'run', 'p.yaml', '--outputs', outputs, '--workers', '1', '--loader-workers', '0', ...extra], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    let trainingFrom: number | null = null;
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (epochs === null || timer !== null) return;
      // "[finetune] classifier: 267 parameters, ..." starts a stage's training (or its resumption).
      if (trainingFrom === null && /^\[\w+\] \w+: [\d,]+ parameters/m.test(stdout)) trainingFrom = performance.now();
      if (trainingFrom !== null && /^\[\w+\] epoch \d+\/\d+/m.test(stdout)) {
        timer = setTimeout(() => child.kill('SIGKILL'), Math.max(50, epochs * (performance.now() - trainingFrom)));
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code, stdout, stderr });
    });
  });
}
