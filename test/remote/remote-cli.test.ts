// Remotes through the real binary: `pipe run --remote file://...` pushes every stage it trains and a
// fresh outputs folder pulls them instead of training; `pipe cache push|pull` move entries and say
// what they skipped; a corrupted remote file is refused with its sums; a stage stopped with SIGTERM
// pushes its checkpoint and another outputs folder resumes from it to the same weights as an
// uninterrupted run; the same through an S3-compatible server on 127.0.0.1; bad URLs are exit 2.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runPipe } from '../helpers/cli.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

const PIPELINE = `name: shared
seed: 3
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
    epochs: 3
    batch_size: 4
    optimizer: {type: adam, lr: 0.01}
    checkpoint_every: 0.001
  finetune:
    kind: classify
    needs: [pretrain]
    model: classifier
    init: {encoder: pretrain}
    train: {split: train}
    val: {split: val}
    epochs: 2
    batch_size: 8
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
`;

let dir: string;
let server: S3TestServer;

const run = (outputs: string, remote: string | null, env: Record<string, string> = {}) =>
  runPipe(['run', 'p.yaml', '--outputs', outputs, '--workers', '1', '--loader-workers', '0', ...(remote ? ['--remote', remote] : [])], { cwd: dir, env });
const cache = (args: string[], env: Record<string, string> = {}) => runPipe(['cache', ...args], { cwd: dir, env });
const newRemote = () => {
  const r = join(dir, `remote-${readdirSync(dir).length}`);
  mkdirSync(r);
  return r;
};
const lastRun = (outputs: string) => {
  const runs = readdirSync(join(outputs, 'runs')).sort();
  return join(outputs, 'runs', runs[runs.length - 1]);
};
const weights = (outputs: string, stage: string) => readFileSync(join(lastRun(outputs), stage, 'weights.bin'));

beforeAll(async () => {
  const data = (await buildTinyImageNet({ classes: 3, trainPerClass: 16, valPerClass: 4, size: 16 })).root;
  dir = mkdtempSync(join(tmpdir(), 'pipe-remote-cli-'));
  symlinkSync(data, join(dir, 'data'));
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
  server = await startS3Server();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('remotes through pipe run and pipe cache', () => {
  // Trained once, here; the tests below reuse it.
  let trained: string;
  let remote: string;

  it('pushes every stage a run trains, and a fresh outputs folder pulls them instead of training', () => {
    remote = newRemote();
    trained = join(dir, 'out-trained');
    const first = run(trained, `file://${remote}`);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/\[finetune\] epoch 2\/2/);
    expect(first.stderr).toMatch(new RegExp(`^\\[pretrain\\] pushed to file://${remote} \\(key [0-9a-f]{12}\\): 4 files, `, 'm'));
    expect(first.stderr).toMatch(/^\[finetune\] pushed to /m);
    // Complete entries keep no checkpoints on the remote.
    for (const key of readdirSync(join(remote, 'stages'))) expect(existsSync(join(remote, 'stages', key, 'resume'))).toBe(false);

    const fresh = join(dir, 'out-fresh');
    const second = run(fresh, null, { PIPE_REMOTE: `file://${remote}` });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/epoch \d/);
    expect(second.stderr).toMatch(/^\[pretrain\] pulled from file:\/\/.* \(key [0-9a-f]{12}\): 4 files, /m);
    expect(second.stdout).toContain('reused from the cache: pretrain, finetune');
    expect(weights(fresh, 'finetune')).toEqual(weights(trained, 'finetune'));
  }, 300_000);

  it('pipe cache push and pull: all complete entries or by prefix, saying what was skipped and what failed', () => {
    const other = newRemote();
    const push = cache(['push', '--outputs', trained, '--remote', `file://${other}`]);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/^pushed {2}[0-9a-f]{12} {2}shared\/pretrain {2}4 files {2}/m);
    expect(push.stdout).toMatch(new RegExp(`^pushed 2 \\(.*\\), skipped 0, failed 0 to file://${other}$`, 'm'));
    const again = cache(['push', '--outputs', trained, '--remote', `file://${other}`]);
    expect(again.stdout).toMatch(new RegExp(`^skipped [0-9a-f]{12}  shared/finetune  \\(already on file://${other}\\)$`, 'm'));
    expect(again.stdout).toMatch(/^pushed 0 \(0 B\), skipped 2, failed 0 to /m);

    const key = readdirSync(join(other, 'stages')).find((k) => JSON.parse(readFileSync(join(other, 'stages', k, 'manifest.json'), 'utf8')).stage === 'pretrain')!;
    const pulled = join(dir, 'out-pulled');
    const one = cache(['pull', key.slice(0, 8), '--outputs', pulled], { PIPE_REMOTE: `file://${other}` });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^pulled  ${key.slice(0, 12)}  shared/pretrain  4 files  `, 'm'));
    const all = cache(['pull', '--outputs', pulled, '--remote', `file://${other}`]);
    expect(all.stdout).toMatch(new RegExp(`^skipped ${key.slice(0, 12)}  shared/pretrain  \\(already here\\)$`, 'm'));
    expect(all.stdout).toMatch(/^pulled 1 \(.*\), skipped 1, failed 0 from /m);
    expect(cache(['ls', '--outputs', pulled]).stdout.match(/ complete$/gm)).toHaveLength(2);
    expect(cache(['pull', 'ffffff', '--outputs', pulled, '--remote', `file://${other}`])).toMatchObject({ code: 2, stderr: `error: no cache entry on file://${other} has a key starting with ffffff (pipe cache pull with no KEY pulls all 2 of them)\n` });

    // A corrupted file on the remote: refused with both sums, nothing installed, exit 1.
    const weightsFile = join(other, 'stages', key, 'weights.bin');
    const bytes = readFileSync(weightsFile);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(weightsFile, bytes);
    const corrupt = join(dir, 'out-corrupt');
    const refused = cache(['pull', key.slice(0, 8), '--outputs', corrupt, '--remote', `file://${other}`]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(new RegExp(`^failed  ${key.slice(0, 12)}  shared/pretrain  \\(file://${other}: cache entry ${key.slice(0, 12)} \\(shared, stage pretrain\\): weights.bin has sha256 [0-9a-f]{64} \\(\\d+ bytes\\), its manifest says [0-9a-f]{64} \\(\\d+ bytes\\); not installed\\)$`, 'm'));
    expect(cache(['ls', '--outputs', corrupt]).stdout).toMatch(/^no cached stages/);
    // pipe run with that remote warns and trains the stage instead.
    const trains = run(join(dir, 'out-corrupt-run'), `file://${other}`);
    expect(trains.code, trains.stderr).toBe(0);
    expect(trains.stderr).toMatch(/^warning: .*weights.bin has sha256 .*; not installed; stage pretrain trains here instead$/m);
    expect(trains.stdout).toMatch(/\[pretrain\] epoch 3\/3/);
    expect(trains.stdout).not.toMatch(/\[finetune\] epoch/);
    // ...and pushes it whole again, which repairs the remote.
    expect(trains.stderr).toMatch(/^\[pretrain\] pushed to /m);
    expect(cache(['pull', key.slice(0, 8), '--outputs', corrupt, '--remote', `file://${other}`]).code).toBe(0);
  }, 300_000);

  it('pushes the checkpoint of a stage stopped with SIGTERM; another outputs folder resumes from it to the same weights', async () => {
    const shared = newRemote();
    const stopped = await runStoppedAfterFirstEpoch(join(dir, 'out-stopped'), `file://${shared}`);
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stdout).toMatch(/\[pretrain\] interrupted/);
    const [key] = readdirSync(join(shared, 'stages'));
    expect(existsSync(join(shared, 'stages', key, 'resume', 'checkpoint.json'))).toBe(true);
    expect(existsSync(join(shared, 'stages', key, 'manifest.json'))).toBe(false);

    const elsewhere = join(dir, 'out-elsewhere');
    const resumed = run(elsewhere, `file://${shared}`);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/^\[pretrain\] pulled its checkpoint \(epoch \d, step \d+\) from file:\/\//m);
    expect(resumed.stdout).toMatch(/\[pretrain\] resuming at epoch \d, step \d+/);
    expect(resumed.stdout).not.toMatch(/\[pretrain\] epoch 1\/3/);
    for (const stage of ['pretrain', 'finetune']) expect(weights(elsewhere, stage)).toEqual(weights(trained, stage));
  }, 300_000);

  it('works the same through an S3-compatible server', () => {
    const url = `s3://${server.bucket}/team/pipe?endpoint=${server.endpoint}`;
    const push = cache(['push', '--outputs', trained, '--remote', url], server.env);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(new RegExp(`^pushed 2 \\(.*\\), skipped 0, failed 0 to s3://${server.bucket}/team/pipe/$`, 'm'));
    const fresh = join(dir, 'out-s3');
    const pulled = run(fresh, `s3://${server.bucket}/team/pipe`, { ...server.env, PIPE_S3_ENDPOINT: server.endpoint });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).not.toMatch(/epoch \d/);
    expect(pulled.stderr).toMatch(/^\[finetune\] pulled from s3:\/\/pipe-test\/team\/pipe\/ /m);
    expect(pulled.stderr).not.toContain('S3RVER');
    expect(weights(fresh, 'finetune')).toEqual(weights(trained, 'finetune'));
    // A bucket that is not there is said at startup.
    expect(cache(['push', '--outputs', trained, '--remote', `s3://no-such-bucket?endpoint=${server.endpoint}`], server.env)).toMatchObject({
      code: 2,
      stderr: `error: the bucket 'no-such-bucket' of s3://no-such-bucket/ does not exist at ${server.endpoint} (pipe does not create buckets)\n`,
    });
  }, 300_000);

  it.each([
    [['--remote', 'ftp://host/x'], {}, "error: --remote: 'ftp://host/x' has the unknown scheme 'ftp' (a remote is file:///path/to/folder or s3://bucket/prefix)"],
    [['--remote', 's3://'], {}, "error: --remote: 's3://' names no bucket (s3://bucket/prefix)"],
    [['--remote', 'file:///no/such/folder'], {}, 'error: --remote: the folder /no/such/folder does not exist (make it first: pipe does not create a remote, so that a typo is not taken for a new one)'],
    [[], { PIPE_REMOTE: 'file://relative/path' }, "error: PIPE_REMOTE: 'file://relative/path' names the host 'relative'; a file remote is a folder on this machine (an absolute path takes three slashes: file:///mnt/shared/pipe)"],
    [['--remote', 's3://key:secret@bucket/p'], {}, "error: --remote: s3://bucket/p has credentials in it, which pipe does not take from a URL (the AWS SDK's chain provides them: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, or an instance role)"],
  ])('refuses a bad remote at startup with exit 2: %j %j', (args, env, message) => {
    const r = runPipe(['run', 'p.yaml', '--outputs', join(dir, 'out-bad'), ...args], { cwd: dir, env });
    expect(r).toMatchObject({ code: 2, stderr: `${message}\n` });
    expect(existsSync(join(dir, 'out-bad'))).toBe(false);
  });
});

/** Runs the pipeline and sends SIGTERM at its first epoch line (the stage then stops after the
 *  current step, checkpointed). */
function runStoppedAfterFirstEpoch(outputs: string, remote: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), 'run', 'p.yaml', '--outputs', outputs, '--workers', '1', '--loader-workers', '0', '--remote', remote], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && /^\[pretrain\] epoch 1\/3/m.test(stdout)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
