// Errors of the machine are said as such (exit 1, no stack trace), and a reader that closes
// pipe's output early (`pipe run ... | head -1`) does not stop the run.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentMessage } from '../../src/errors.js';
import { REPO, runPipe } from '../helpers/cli.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

const PIPELINE = `name: tiny
seed: 1
dataset: {format: tiny-imagenet, root: ., image_size: [12, 12]}
models:
  net:
    input: [12, 12, 3]
    nodes:
      - {op: conv, filters: 4, kernel: 3}
      - {op: global_avgpool}
      - {op: dense, units: 3}
stages:
  train: {kind: classify, model: net, train: {split: train}, val: {split: val}, epochs: 3, batch_size: 4, optimizer: {type: sgd, lr: 0.1}}
`;

let dir: string;
beforeAll(async () => {
  dir = (await buildTinyImageNet({ classes: 3, trainPerClass: 4, valPerClass: 2, size: 12 })).root;
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
  writeFileSync(join(dir, 'a-file'), 'not a folder');
}, 60_000);

describe('errors of the environment', () => {
  it.each([
    ['ENOSPC', 'write', '/data/out/model.bin', 'cannot write /data/out/model.bin: no space left on the device (ENOSPC)'],
    ['EROFS', 'mkdir', '/ro/outputs', 'cannot write /ro/outputs: the file system is read-only (EROFS)'],
    ['EACCES', 'open', '/x/run.json', 'cannot write /x/run.json: permission denied (EACCES)'],
    ['ENAMETOOLONG', 'mkdir', '/o/aaaa', 'cannot write /o/aaaa: a name is too long for the file system (ENAMETOOLONG)'],
    ['EMFILE', 'scandir', '/d', 'cannot read /d: too many open files (raise ulimit -n) (EMFILE)'],
    ['EDQUOT', 'rename', '/q/a', 'cannot write /q/a: the disk quota is exceeded (EDQUOT)'],
  ])('%s from %s is said as such', (code, syscall, path, message) => {
    expect(environmentMessage(Object.assign(new Error('x'), { code, syscall, path }))).toBe(message);
  });

  it('leaves other errors to the internal-error path', () => {
    expect(environmentMessage(new TypeError('bug'))).toBeNull();
    expect(environmentMessage(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeNull();
  });

  it.each([
    ['an outputs path through a file', () => join(dir, 'a-file', 'outputs'), /^failed: cannot write .*a-file.*: a part of the path is a file, not a folder \(ENOTDIR\)\n$/],
    ['an outputs folder name of 300 characters', () => join(dir, 'o'.repeat(300)), /^failed: cannot write .*o{300}.*: a name is too long for the file system \(ENAMETOOLONG\)\n$/],
  ])('pipe run with %s exits 1 and says why, without a stack trace', (_, outputs, message) => {
    const r = runPipe(['run', 'p.yaml', '--outputs', outputs(), '--quiet'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('a closed stdout', () => {
  it('does not stop a run: it trains every epoch and writes its results', async () => {
    const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), 'run', 'p.yaml', '--outputs', 'closed', '--workers', '1'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // As `| head -1`: read the first chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
    const runs = readdirSync(join(dir, 'closed', 'runs'));
    expect(runs).toHaveLength(1);
    const metrics = readFileSync(join(dir, 'closed', 'runs', runs[0], 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(metrics).toHaveLength(3);
    expect(existsSync(join(dir, 'closed', 'runs', runs[0], 'summary.md'))).toBe(true);
  }, 60_000);
});
