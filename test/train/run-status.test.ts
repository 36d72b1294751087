// run.json's status as runPipeline writes it: running (pid, host) while it goes, done at the end,
// stopped when shouldStop said so or the process exits on the way, and a failure's one line.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, JobError } from '../../src/errors.js';
import { failureReason } from '../../src/train/run-status.js';
import { runFile } from '../helpers/run.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

let file: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const tree = await buildTinyImageNet({ classes: 2, trainPerClass: 4, valPerClass: 2, size: 8 });
  file = join(tree.root, 'p.yaml');
  writeFileSync(
    file,
    `name: status
dataset: {format: tiny-imagenet, root: ., image_size: [8, 8]}
models:
  net:
    input: [8, 8, 3]
    nodes:
      - {op: global_avgpool}
      - {op: dense, units: 2}
stages:
  train:
    kind: classify
    model: net
    train: {split: train}
    val: {split: val}
    epochs: 2
    batch_size: 4
    optimizer: {type: sgd, lr: 0.1}
`,
  );
}, 60_000);

const status = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).status;

describe('runPipeline records its status', () => {
  it('running with its pid and host while it trains, done at the end', async () => {
    const seen: unknown[] = [];
    let dir = '';
    const { result } = await runFile(file, { cwd: tmpdir(), outputs: mkdtempSync(join(tmpdir(), 'pipe-status-')), onRunDir: (d) => (dir = d), events: { epoch: () => void seen.push(status(dir)) } });
    expect(seen[0]).toEqual({ state: 'running', pid: process.pid, host: hostname(), since: expect.any(String) });
    expect(status(result.dir)).toEqual({ state: 'done', ended: expect.any(String) });
  });

  it('stopped with the reason shouldStop gave', async () => {
    const { result } = await runFile(file, { cwd: tmpdir(), outputs: mkdtempSync(join(tmpdir(), 'pipe-status-')), shouldStop: () => true, stopReason: () => 'received SIGINT' });
    expect(result.interrupted).toBe(true);
    expect(status(result.dir)).toEqual({ state: 'stopped', ended: expect.any(String), reason: 'received SIGINT' });
  });

  it('stopped when the process exits on the way (a second Ctrl-C calls process.exit)', async () => {
    let dir = '';
    let atExit: unknown = null;
    const listeners = process.listenerCount('exit');
    await runFile(file, {
      cwd: tmpdir(),
      outputs: mkdtempSync(join(tmpdir(), 'pipe-status-')),
      onRunDir: (d) => (dir = d),
      stopReason: () => 'received SIGINT',
      events: {
        epoch: (r) => {
          if (r.epoch !== 1) return;
          // What process.exit(130) does first: the 'exit' listeners run.
          process.emit('exit', 130);
          atExit = status(dir);
        },
      },
    });
    expect(atExit).toEqual({ state: 'stopped', ended: expect.any(String), reason: 'received SIGINT (exit code 130) before the run ended' });
    expect(process.listenerCount('exit')).toBe(listeners); // the run's listener went with it
  });
});

describe('failureReason', () => {
  it.each([
    [new JobError("stage 'b': the loss became NaN at epoch 1, step 2 (lr 1e+30)", 'lower the lr'), "stage 'b': the loss became NaN at epoch 1, step 2 (lr 1e+30)"],
    [new InputError([{ message: 'bad image', location: { file: 'a.png', line: 0, col: 0 }, hint: 'skip it' }, { message: 'another' }]), 'a.png: bad image (skip it) (and 1 more)'],
    [Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC', syscall: 'write', path: '/x/m.jsonl' }), 'cannot write /x/m.jsonl: no space left on the device (ENOSPC)'],
    [new Error('\nfirst line\nsecond'), 'first line'],
    ['a string', 'a string'],
  ])('%s', (e, line) => {
    expect(failureReason(e)).toBe(line);
  });

  it('cuts a very long line', () => {
    expect(failureReason(new Error('x'.repeat(10_000)))).toBe('x'.repeat(500) + '...');
  });
});
