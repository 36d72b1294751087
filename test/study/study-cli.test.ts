// `pipe study` through the real binary on a tiny Tiny-ImageNet tree: a pretraining shared by
// every trial trains once; a diverging trial fails alone and is the only one run again; a study
// killed with SIGKILL, run again, ends with the weights of an uninterrupted study; a trial
// promoted by successive halving ends with the weights it has when nothing is pruned.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runPipe } from '../helpers/cli.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';
import type { StudyRecord } from '../../src/study/record.js';

let dir: string;

const PIPELINE = `name: tiny
seed: 5
dataset: {format: tiny-imagenet, root: data, image_size: [16, 16]}
models:
  encoder:
    input: [16, 16, 3]
    nodes:
      - {op: conv, name: c1, filters: 8, kernel: 3, padding: 1}
      - {op: relu}
  decoder:
    input: encoder
    nodes:
      - {op: conv, name: out, filters: 3, kernel: 3, padding: 1, activation: sigmoid}
  head:
    input: encoder
    nodes:
      - {op: global_avgpool}
      - {op: dense, name: logits, units: 3}
  autoencoder: {compose: [encoder, decoder]}
  classifier: {compose: [encoder, head]}
stages:
  pretrain:
    kind: reconstruct
    model: autoencoder
    train: {split: train, unlabelled: true}
    epochs: 1
    batch_size: 16
    optimizer: {type: adam, lr: 0.01}
  finetune:
    kind: classify
    needs: [pretrain]
    model: classifier
    init: {encoder: pretrain}
    train: {split: train}
    val: {split: val}
    epochs: 2
    batch_size: 16
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
    checkpoint_every: 0.001
`;

const STUDY = `name: lrs
pipeline: p.yaml
grid:
  stages.finetune.optimizer.lr: [0.05, 0.02, 1.0e+30]
metric: finetune.val_top1
`;

const study = (file: string, outputs: string, extra: string[] = []) => runPipe(['study', file, '--outputs', outputs, '--jobs', '1', '--workers', '1', ...extra], { cwd: dir });
const record = (outputs: string): StudyRecord => {
  const studies = readdirSync(join(outputs, 'studies')).sort();
  return JSON.parse(readFileSync(join(outputs, 'studies', studies[studies.length - 1], 'study.json'), 'utf8'));
};
const weights = (outputs: string, key: string) => readFileSync(join(outputs, 'cache', 'stages', key, 'weights.bin'));

beforeAll(async () => {
  const data = (await buildTinyImageNet({ classes: 3, trainPerClass: 16, valPerClass: 4, size: 16 })).root;
  dir = mkdtempSync(join(tmpdir(), 'pipe-study-'));
  symlinkSync(data, join(dir, 'data'));
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
  writeFileSync(join(dir, 'lrs.yaml'), STUDY);
}, 120_000);

describe('pipe study', () => {
  it('plans trials x stages: the shared pretraining runs once, by the first trial', () => {
    const plan = study('lrs.yaml', join(dir, 'out-plan'), ['--plan']);
    expect(plan.code, plan.stderr).toBe(0);
    const rows = plan.stdout.split('\n').filter((l) => /^\d+ +tiny\[/.test(l));
    expect(rows).toEqual([
      expect.stringMatching(/^1 +tiny\[finetune\.lr=0\.05\] +run +run$/),
      expect.stringMatching(/^2 +tiny\[finetune\.lr=0\.02\] += 1 +run$/),
      expect.stringMatching(/^3 +tiny\[finetune\.lr=1e\+30\] += 1 +run$/),
    ]);
    expect(plan.stdout).toContain('3 trials, 4 distinct stages: 0 cached, 4 to run; sharing saves 2 stage runs');
    // Nothing ran: no study folder, no stage entry (only the files' hash cache may be written).
    expect(existsSync(join(dir, 'out-plan', 'studies'))).toBe(false);
    expect(existsSync(join(dir, 'out-plan', 'cache', 'stages'))).toBe(false);
    // Planning loads no tfjs, and neither does --status.
    const forbid = { NODE_OPTIONS: `--import ${join(REPO, 'test/helpers/forbid-tfjs.mjs')}` };
    expect(runPipe(['study', 'lrs.yaml', '--outputs', join(dir, 'out-plan'), '--plan'], { cwd: dir, env: forbid })).toMatchObject({ code: 0, stdout: plan.stdout });
  });

  it('trains the shared stage once, isolates the diverging trial, and reruns only what failed', () => {
    const outputs = join(dir, 'out-run');
    const first = study('lrs.yaml', outputs);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout.match(/^> pretrain of /gm)).toHaveLength(1);
    expect(first.stdout.match(/^> finetune of /gm)).toHaveLength(3);
    const r = record(outputs);
    expect(r.status).toBe('failed');
    expect(r.trials.map((t) => t.status)).toEqual(['done', 'done', 'failed']);
    expect(r.trials[2].error).toMatch(/^stage finetune: stage 'finetune': the loss became (NaN|Infinity|-Infinity) at epoch 1/);
    expect(first.stdout).toMatch(/^failed: tiny\[finetune\.lr=1e\+30\]: stage finetune: /m);
    expect(r.trials[0].metric).toBeGreaterThanOrEqual(0);
    expect(r.stages.find((s) => s.stage === 'pretrain')!.trials).toEqual([0, 1, 2]);
    // Best first in the summary table.
    const table = first.stdout.slice(first.stdout.indexOf('rank  trial')).split('\n').slice(2, 5);
    expect(table).toEqual([expect.stringMatching(/^ {3}1 {2}tiny\[finetune\.lr=0\.0[25]\] +done +\d+\.\d\d%$/), expect.stringMatching(/^ {3}2 {2}tiny\[finetune\.lr=0\.0[25]\] +done +\d+\.\d\d%$/), expect.stringMatching(/^ {6}tiny\[finetune\.lr=1e\+30\] +failed +-$/)]);
    const shown = table.slice(0, 2).map((l) => Number(/([\d.]+)%$/.exec(l)![1]));
    expect(shown[0]).toBeGreaterThanOrEqual(shown[1]);

    const again = study('lrs.yaml', outputs);
    expect(again.code).toBe(1);
    expect(again.stdout.match(/^> /gm)).toHaveLength(1);
    expect(again.stdout).toMatch(/^> finetune of tiny\[finetune\.lr=1e\+30\]$/m);
    expect(record(outputs).trials.map((t) => t.status)).toEqual(['done', 'done', 'failed']);

    // --json: one event per line, the last one the study's outcome.
    const json = study('lrs.yaml', outputs, ['--json']);
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.event)).toEqual(['job_start', 'job_end', 'study']);
    expect(events[2].trials.map((t: { status: string }) => t.status)).toEqual(['done', 'done', 'failed']);

    // The study's report, from its folder.
    const folder = /^study folder: (\S+) /m.exec(first.stdout)![1];
    const report = runPipe(['report', folder], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    const md = readFileSync(join(folder, 'report', 'report.md'), 'utf8');
    expect(md).toMatch(/tiny\\\[finetune\.lr=1e\+30\\\]|tiny\[finetune\.lr=1e\+30\]/);

    const status = study('lrs.yaml', outputs, ['--status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^study lrs: failed$/m);
    expect(status.stdout).toMatch(/trials: 2 done, 1 failed; 0 stage jobs training/);
  }, 240_000);

  it('leaves out a trial a check before training refuses (too few class scores), and runs the others', () => {
    writeFileSync(join(dir, 'units.yaml'), `name: units\npipeline: p.yaml\ngrid:\n  models.head.nodes[1].units: [3, 2]\nmetric: finetune.val_top1\n`);
    const outputs = join(dir, 'out-units');
    const plan = study('units.yaml', outputs, ['--plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^2 +tiny\[models\.head\.nodes\[1\]\.units=2\] +- +-$/m);
    expect(plan.stdout).toMatch(/^cannot run: 2 tiny\[models\.head\.nodes\[1\]\.units=2\]: stages\.finetune\.train: model 'classifier' gives 2 class scores but the data set has 3 classes/m);
    expect(plan.stdout).toContain('2 trials (1 cannot run), 2 distinct stages');
    const r = study('units.yaml', outputs, ['--set', 'stages.finetune.epochs=1']);
    expect(r.code).toBe(1);
    const rec = record(outputs);
    expect(rec.trials.map((t) => t.status)).toEqual(['done', 'failed']);
    expect(rec.trials[1].error).toMatch(/2 class scores/);
    // A reason every trial shares is the study's bad input, said once.
    const missing = study('units.yaml', outputs, ['--plan', '--set', 'dataset.root=nowhere']);
    expect([missing.code, missing.stdout]).toEqual([2, '']);
    expect(missing.stderr).toBe(`error: ${join(dir, 'nowhere')}: folder not found (dataset.root should be the tiny-imagenet-200 folder)\n`);
    expect(r.stdout).toMatch(/^failed: tiny\[models\.head\.nodes\[1\]\.units=2\]: /m);
  }, 120_000);

  it('stops on SIGTERM with every running job checkpointed, and continues after SIGKILL, to the weights of an uninterrupted study', async () => {
    writeFileSync(join(dir, 'two.yaml'), `name: two\npipeline: p.yaml\ngrid:\n  stages.finetune.optimizer.lr: [0.05, 0.02]\nmetric: finetune.val_top1\n`);
    const longer = ['--set', 'stages.finetune.epochs=6'];
    const whole = study('two.yaml', join(dir, 'out-whole'), longer);
    expect(whole.code, whole.stderr).toBe(0);
    const outputs = join(dir, 'out-killed');
    // Two jobs at once: both finetunes train side by side when the signal comes.
    const args = ['study', 'two.yaml', '--outputs', outputs, '--jobs', '2', '--workers', '1', ...longer];
    const termed = await signalAfterEpochLines(args, 3, 'SIGTERM');
    expect(termed.code).toBe(1);
    expect(termed.stderr).toContain('received SIGTERM: stopping: every running job checkpoints after its current step');
    const stopped = record(outputs);
    expect(stopped.status).toBe('stopped');
    expect(stopped.stages.filter((s) => s.stage === 'finetune').map((s) => s.status)).toContain('stopped');
    const killed = await signalAfterEpochLines(args, 2, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    // The record still says running; --status knows its process is gone.
    const status = study('two.yaml', outputs, [...longer, '--status']);
    expect(status.stdout).toMatch(/^study two: running when its process \(pid \d+\) ended: run the study again to continue$/m);
    expect(status.stdout).toMatch(/^ {2}running: finetune of tiny\[finetune\.lr=0\.0[25]\]: (in its first epoch|\[finetune\] epoch \d\/6 .* \(\d+s of epochs so far\))$/m);
    const again = study('two.yaml', outputs, longer);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^ {2}resuming finetune of tiny\[finetune\.lr=0\.0[25]\] at epoch \d/m);
    const done = record(join(dir, 'out-whole'));
    expect(record(outputs).trials.map((t) => t.keys)).toEqual(done.trials.map((t) => t.keys));
    for (const s of done.stages) expect(weights(outputs, s.key)).toEqual(weights(join(dir, 'out-whole'), s.key));
  }, 300_000);

  it('prunes by successive halving, and the promoted trial ends with the weights it has unpruned', () => {
    writeFileSync(join(dir, 'pruned.yaml'), `name: pruned\npipeline: p.yaml\ngrid:\n  stages.finetune.optimizer.lr: [0.05, 0.02, 0.001]\nmetric: finetune.val_top1\nprune: {type: successive_halving, min_epochs: 1, eta: 3}\n`);
    const longer = ['--set', 'stages.finetune.epochs=3'];
    const outputs = join(dir, 'out-pruned');
    const pruned = study('pruned.yaml', outputs, longer);
    expect(pruned.code, pruned.stderr).toBe(0);
    const r = record(outputs);
    expect(r.trials.map((t) => t.status).sort()).toEqual(['done', 'pruned', 'pruned']);
    const winner = r.trials.find((t) => t.status === 'done')!;
    expect(pruned.stdout.match(/\(to epoch 1, a pruning rung\)/g)).toHaveLength(3);
    // The same trial in a study without pruning: the same key, and the same weights.
    const plain = join(dir, 'out-unpruned');
    writeFileSync(join(dir, 'one.yaml'), `name: one\npipeline: p.yaml\nmetric: finetune.val_top1\n`);
    const lr = winner.values['stages.finetune.optimizer.lr'];
    const unpruned = study('one.yaml', plain, [...longer, '--set', `stages.finetune.optimizer.lr=${lr}`]);
    expect(unpruned.code, unpruned.stderr).toBe(0);
    const key = winner.keys!.finetune;
    expect(record(plain).trials[0].keys!.finetune).toBe(key);
    expect(weights(outputs, key)).toEqual(weights(plain, key));
  }, 300_000);
});

/** Runs pipe with the args and sends it `signal` once `n` epoch lines were printed. */
function signalAfterEpochLines(args: string[], n: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!sent && (out.match(/ epoch \d+\/\d+/g) ?? []).length >= n) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code, got) => resolve({ code, signal: got, stderr: err }));
  });
}
