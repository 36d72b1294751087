// Stage jobs through BullMQ on a real redis-server (started here on a loopback port): two
// `pipe worker`s run a study's jobs; a worker killed with SIGKILL mid-stage has its job taken
// over by the other, which resumes the checkpoint; the weights equal a local study's.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runPipe } from '../helpers/cli.js';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';
import type { StudyRecord } from '../../src/study/record.js';

let dir: string;
let redis: TestRedis;
let redisDir: string;

const PIPELINE = `name: tiny
seed: 5
dataset: {format: tiny-imagenet, root: data, image_size: [16, 16]}
models:
  net:
    input: [16, 16, 3]
    nodes:
      - {op: conv, filters: 8, kernel: 3, padding: 1, activation: relu}
      - {op: global_avgpool}
      - {op: dense, name: logits, units: 3}
stages:
  train:
    kind: classify
    model: net
    train: {split: train}
    val: {split: val}
    epochs: 6
    batch_size: 8
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
    checkpoint_every: 0.001
`;

// Two pipelines (the second a wider variant) x two lrs.
const STUDY = `name: queued\npipelines: [p.yaml, wide.yaml]\ngrid:\n  stages.train.optimizer.lr: [0.05, 0.02]\nmetric: train.val_top1\n`;

const record = (outputs: string): StudyRecord => {
  const studies = readdirSync(join(outputs, 'studies')).sort();
  return JSON.parse(readFileSync(join(outputs, 'studies', studies[studies.length - 1], 'study.json'), 'utf8'));
};
const weights = (outputs: string, key: string) => readFileSync(join(outputs, 'cache', 'stages', key, 'weights.bin'));

interface Proc {
  readonly child: ChildProcess;
  out: string;
  readonly exited: Promise<number | null>;
}
function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env } });
  const p: Proc = { child, out: '', exited: new Promise((r) => child.on('exit', (code) => r(code))) };
  child.stdout!.on('data', (d) => (p.out += d));
  child.stderr!.on('data', (d) => (p.out += d));
  return p;
}
const until = async (test: () => boolean, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

beforeAll(async () => {
  const data = (await buildTinyImageNet({ classes: 3, trainPerClass: 16, valPerClass: 4, size: 16 })).root;
  dir = mkdtempSync(join(tmpdir(), 'pipe-queue-'));
  symlinkSync(data, join(dir, 'data'));
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
  writeFileSync(join(dir, 'wide.yaml'), 'extends: p.yaml\nname: wide\nmodels:\n  net:\n    nodes:\n      - {op: conv, filters: 12, kernel: 3, padding: 1, activation: relu}\n      - {op: global_avgpool}\n      - {op: dense, name: logits, units: 3}\n');
  writeFileSync(join(dir, 'queued.yaml'), STUDY);
  redisDir = mkdtempSync(join(tmpdir(), 'pipe-redis-'));
  redis = await startRedis({ dir: redisDir });
}, 120_000);

afterAll(async () => {
  await redis?.stop();
});

describe('stage jobs on a queue', () => {
  it('refuses a queue URL that is not Redis, before anything runs', () => {
    const r = runPipe(['study', 'queued.yaml', '--queue', 'http://127.0.0.1:1'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([2, "error: --queue: 'http:' is not a Redis URL (the queue is Redis: redis://HOST:PORT, or rediss://HOST:PORT for TLS)\n"]);
  });

  it('runs a two-pipeline study on three workers, one of them SIGKILLed mid-stage, to the weights of a local study', async () => {
    const local = runPipe(['study', 'queued.yaml', '--outputs', join(dir, 'out-local'), '--jobs', '1', '--workers', '1'], { cwd: dir });
    expect(local.code, local.stderr).toBe(0);
    const outputs = join(dir, 'out-queue');
    // A short lock: a dead worker's job is found stalled within about a second.
    const env = { PIPE_QUEUE_LOCK_MS: '1500' };
    const workers = [0, 1, 2].map(() => start(['worker', '--queue', redis.url, '--outputs', outputs], env));
    try {
      await until(() => workers.every((w) => /^worker on /m.test(w.out)), 30_000, 'the workers to start');
      const submitter = start(['study', 'queued.yaml', '--queue', redis.url, '--outputs', outputs, '--workers', '1']);
      // Kill whichever worker trains the first job, after the job's second epoch.
      // A worker with a job it started and has not ended, once two epochs were reported.
      const running = (w: Proc) => [...w.out.matchAll(/^> (\S+):/gm)].map((m) => m[1]).filter((id) => !w.out.includes(`= ${id}:`));
      await until(() => (submitter.out.match(/ epoch \d+\/6/g) ?? []).length >= 2 && workers.some((w) => running(w).length > 0), 120_000, 'two epochs');
      const victim = workers.findIndex((w) => running(w).length > 0);
      const job = running(workers[victim])[0];
      workers[victim].child.kill('SIGKILL');
      const code = await submitter.exited;
      expect(code, submitter.out).toBe(0);
      // Another worker took the killed one's job, and resumed it from its checkpoint.
      expect(workers.filter((w, i) => i !== victim && w.out.includes(`> ${job}:`))).toHaveLength(1);
      expect(submitter.out).toMatch(/^ {2}resuming train of (tiny|wide)\[train\.lr=0\.0[25]\] at epoch \d/m);
      expect(record(outputs).trials.map((t) => t.status)).toEqual(['done', 'done', 'done', 'done']);
      const made = record(join(dir, 'out-local'));
      expect(record(outputs).trials.map((t) => t.keys)).toEqual(made.trials.map((t) => t.keys));
      for (const s of made.stages) expect(weights(outputs, s.key)).toEqual(weights(join(dir, 'out-local'), s.key));
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
    }
  }, 300_000);

  it('trains a study submitted twice at once only once, survives Redis stopping for 10 s, and never gives a job to a worker of another backend', async () => {
    writeFileSync(join(dir, 'twice.yaml'), `name: twice\npipeline: p.yaml\ngrid:\n  stages.train.optimizer.lr: [0.03, 0.01]\nmetric: train.val_top1\n`);
    const outputs = join(dir, 'out-twice');
    const workers = [start(['worker', '--queue', redis.url, '--outputs', outputs, '--jobs', '2']), start(['worker', '--queue', redis.url, '--outputs', outputs, '--backend', 'cpu'])];
    try {
      await until(() => workers.every((w) => /^worker on /m.test(w.out)), 30_000, 'the workers to start');
      expect(workers[1].out).toMatch(/^worker on cpu:/m);
      const args = ['study', 'twice.yaml', '--queue', redis.url, '--outputs', outputs, '--workers', '1'];
      const submitters = [start(args), start(args)];
      await until(() => submitters.some((s) => / epoch \d+\/6/.test(s.out)), 120_000, 'a first epoch');
      await redis.stop();
      await new Promise((r) => setTimeout(r, 10_000));
      redis = await startRedis({ port: redis.port, dir: redisDir });
      const codes = await Promise.all(submitters.map((s) => s.exited));
      expect(codes, submitters.map((s) => s.out).join('\n----\n')).toEqual([0, 0]);
      // While it was away, the worker and a submitter said so (once per error, not per retry).
      expect(workers[0].out).toMatch(/^! the queue cannot be reached \(.+\); waiting for it to come back$/m);
      expect(submitters.map((s) => s.out).join('')).toMatch(/warning: the queue cannot be reached/);
      // Each of the two stages started once, on the worker of the submitters' backend.
      const started = workers[0].out.match(/^> \S+:/gm) ?? [];
      expect(started).toHaveLength(2);
      expect(new Set(started).size).toBe(2);
      expect(workers[1].out).not.toMatch(/^> /m);
      expect(record(outputs).trials.map((t) => t.status)).toEqual(['done', 'done']);
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
    }
  }, 300_000);

  it('runs a pipeline with pipe run --queue: the epochs shown live, the run folder and summary as a local run\'s', async () => {
    const outputs = join(dir, 'out-run');
    const worker = start(['worker', '--queue', redis.url, '--outputs', outputs]);
    try {
      await until(() => /^worker on /m.test(worker.out), 30_000, 'the worker to start');
      const queued = runPipe(['run', 'p.yaml', '--queue', redis.url, '--outputs', outputs, '--workers', '1', '--set', 'stages.train.epochs=2'], { cwd: dir });
      expect(queued.code, queued.stderr).toBe(0);
      expect(queued.stdout).toMatch(/^training on the queue redis:\/\/127\.0\.0\.1:\d+\/?$/m);
      expect(queued.stdout).toMatch(/^\[train\] epoch 2\/2 {2}loss /m);
      // (runPipe blocked this process: the worker's output is read now.)
      await until(() => /^= /m.test(worker.out), 10_000, "the worker's lines");
      expect(worker.out).toMatch(/^> [0-9a-f]{64}: train of /m);
      const local = runPipe(['run', 'p.yaml', '--outputs', join(dir, 'out-run-local'), '--workers', '1', '--set', 'stages.train.epochs=2'], { cwd: dir });
      expect(local.code, local.stderr).toBe(0);
      const runDir = (o: string) => join(o, 'runs', readdirSync(join(o, 'runs'))[0]);
      expect(readFileSync(join(runDir(outputs), 'train', 'weights.bin'))).toEqual(readFileSync(join(runDir(join(dir, 'out-run-local')), 'train', 'weights.bin')));
      expect(readFileSync(join(runDir(outputs), 'summary.md'), 'utf8')).toBe(readFileSync(join(runDir(join(dir, 'out-run-local')), 'summary.md'), 'utf8'));
    } finally {
      worker.child.kill('SIGKILL');
    }
  }, 300_000);

  it('lists, cancels and retries jobs: pipe queue ls|cancel|retry', async () => {
    const outputs = join(dir, 'out-steer');
    // No cpu worker runs: a study for the cpu backend waits on the queue.
    writeFileSync(join(dir, 'steer.yaml'), `name: steer\npipeline: p.yaml\ngrid:\n  stages.train.optimizer.lr: [0.04, 1.0e+30]\nmetric: train.val_top1\n`);
    const waiting = start(['study', 'steer.yaml', '--queue', redis.url, '--outputs', outputs, '--workers', '1', '--backend', 'cpu']);
    const ls = () => runPipe(['queue', 'ls', '--queue', redis.url, '--json'], { cwd: dir });
    await until(() => JSON.parse(ls().stdout).filter((j: { backend: string; state: string }) => j.backend === 'cpu' && j.state === 'waiting').length === 2, 30_000, 'two waiting cpu jobs');
    const table = runPipe(['queue', 'ls', '--queue', redis.url], { cwd: dir });
    expect(table.stdout).toMatch(/^id +backend +stage +state +tries +epoch +ended +pipeline$/m);
    expect(table.stdout).toMatch(/^[0-9a-f]{16} +cpu +train +waiting +0 +- +- +\/\S+\/p\.yaml$/m);
    const ids = JSON.parse(ls().stdout).filter((j: { backend: string }) => j.backend === 'cpu').map((j: { id: string }) => j.id);
    for (const id of ids) expect(runPipe(['queue', 'cancel', id.slice(0, 10), '--queue', redis.url], { cwd: dir }).stdout).toBe(`cancelled ${id} (waiting)\n`);
    expect(await waiting.exited).toBe(1);
    expect(waiting.out).toMatch(/failed: tiny\[train\.lr=0\.04\]: stage train: cancelled on the queue \(pipe queue cancel\)/);
    expect(runPipe(['queue', 'cancel', 'abc', '--queue', redis.url], { cwd: dir }).stderr).toBe("error: 'abc': give at least 6 characters of a job's id (pipe queue ls lists them)\n");

    // A job that ended failed (the loss diverged) is queued again by retry.
    const worker = start(['worker', '--queue', redis.url, '--outputs', outputs]);
    try {
      await until(() => /^worker on /m.test(worker.out), 30_000, 'the worker to start');
      const study = runPipe(['study', 'steer.yaml', '--queue', redis.url, '--outputs', outputs, '--workers', '1'], { cwd: dir });
      expect(study.code).toBe(1);
      const failed = JSON.parse(ls().stdout).find((j: { outcome: string | null }) => j.outcome === 'failed');
      expect(failed.error).toMatch(/the loss became/);
      expect(runPipe(['queue', 'retry', failed.id, '--queue', redis.url], { cwd: dir }).stdout).toBe(`retrying ${failed.id}\n`);
      await until(() => (worker.out.match(new RegExp(`^> ${failed.id}:`, 'gm')) ?? []).length === 2 && (worker.out.match(new RegExp(`^= ${failed.id}: failed`, 'gm')) ?? []).length === 2, 60_000, 'the retried job to fail again');
      const done = JSON.parse(ls().stdout).find((j: { outcome: string | null; error: string | null }) => j.outcome === 'done');
      expect(runPipe(['queue', 'retry', done.id, '--queue', redis.url], { cwd: dir }).stderr).toBe(`error: job ${done.id.slice(0, 16)} is completed (done): only a failed job can be retried\n`);
    } finally {
      worker.child.kill('SIGKILL');
    }
  }, 300_000);

  it('a worker stopped with SIGTERM checkpoints its job and hands it back; another worker resumes it', async () => {
    const outputs = join(dir, 'out-handback');
    writeFileSync(join(dir, 'one.yaml'), `name: one\npipeline: p.yaml\nmetric: train.val_top1\n`);
    const first = start(['worker', '--queue', redis.url, '--outputs', outputs]);
    let second: Proc | null = null;
    try {
      await until(() => /^worker on /m.test(first.out), 30_000, 'the worker to start');
      const submitter = start(['study', 'one.yaml', '--queue', redis.url, '--outputs', outputs, '--workers', '1', '--set', 'stages.train.epochs=12']);
      await until(() => / epoch 2\/12/.test(submitter.out), 120_000, 'two epochs');
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.out).toMatch(/received SIGTERM: checkpointing the running jobs and handing them back to the queue/);
      expect(first.out).toMatch(/^= [0-9a-f]{64}: stopped$/m);
      second = start(['worker', '--queue', redis.url, '--outputs', outputs]);
      expect(await submitter.exited, submitter.out).toBe(0);
      expect(submitter.out).toMatch(/^ {2}resuming train of tiny at epoch \d/m);
      expect(second.out).toMatch(/^> [0-9a-f]{64}: train of .*\(attempt 2\)$/m);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
    }
  }, 300_000);

  it('connects with a password in the URL (Redis AUTH), printed masked', async () => {
    const port = await freePort();
    const guarded = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 's3cret'], { stdio: 'ignore' });
    const url = `redis://:s3cret@127.0.0.1:${port}`;
    const worker = start(['worker', '--queue', url, '--outputs', join(dir, 'out-auth')]);
    try {
      await until(() => /^worker on /m.test(worker.out), 30_000, 'the worker to start');
      expect(worker.out).toContain(`from redis://:***@127.0.0.1:${port}`);
      expect(worker.out).not.toContain('s3cret');
      const r = runPipe(['run', 'p.yaml', '--queue', url, '--outputs', join(dir, 'out-auth'), '--workers', '1', '--set', 'stages.train.epochs=1'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('s3cret');
    } finally {
      worker.child.kill('SIGKILL');
      guarded.kill('SIGKILL');
    }
  }, 120_000);

  it('shares results through a remote between workers with no common folder: a stage needed is pulled, results pushed', async () => {
    writeFileSync(join(dir, 'two-stage.yaml'), `extends: p.yaml\nname: staged\nstages:\n  train: {epochs: 2}\n  again:\n    kind: classify\n    needs: [train]\n    model: net\n    init: {net: train}\n    train: {split: train}\n    val: {split: val}\n    epochs: 2\n    batch_size: 8\n    optimizer: {type: sgd, lr: 0.01}\n`);
    writeFileSync(join(dir, 'staged.yaml'), `name: staged\npipeline: two-stage.yaml\ngrid:\n  stages.again.optimizer.lr: [0.01, 0.005]\nmetric: again.val_top1\n`);
    const remote = `file://${mkdtempSync(join(tmpdir(), 'pipe-remote-'))}`;
    const first = start(['worker', '--queue', redis.url, '--outputs', join(dir, 'out-w1'), '--remote', remote]);
    let second: Proc | null = null;
    try {
      await until(() => /^worker on /m.test(first.out), 30_000, 'the first worker to start');
      const submitter = start(['study', 'staged.yaml', '--queue', redis.url, '--outputs', join(dir, 'out-sub'), '--workers', '1', '--remote', remote]);
      // The first worker trains the shared stage, then goes: the second has only the remote.
      await until(() => /^= [0-9a-f]{64}: done$/m.test(first.out), 120_000, 'the first stage to be done');
      first.child.kill('SIGKILL');
      second = start(['worker', '--queue', redis.url, '--outputs', join(dir, 'out-w2'), '--remote', remote]);
      expect(await submitter.exited, submitter.out).toBe(0);
      expect(submitter.out).toMatch(/\[train\] pulled from file:\/\/\S+ \(key [0-9a-f]{12}\)/);
      expect(record(join(dir, 'out-sub')).trials.map((t) => t.status)).toEqual(['done', 'done']);
      // Everything is on the remote: a fresh folder pulls it all, and it equals a local study.
      const pulled = runPipe(['cache', 'pull', '--remote', remote, '--outputs', join(dir, 'out-pulled')], { cwd: dir });
      expect(pulled.code, pulled.stderr).toBe(0);
      const local = runPipe(['study', 'staged.yaml', '--outputs', join(dir, 'out-staged-local'), '--jobs', '1', '--workers', '1'], { cwd: dir });
      expect(local.code, local.stderr).toBe(0);
      for (const s of record(join(dir, 'out-staged-local')).stages) expect(weights(join(dir, 'out-pulled'), s.key)).toEqual(weights(join(dir, 'out-staged-local'), s.key));
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
    }
  }, 300_000);

  it('connects over TLS (rediss://) to a redis-server with a certificate the client trusts', async () => {
    const tls = mkdtempSync(join(tmpdir(), 'pipe-tls-'));
    const [key, cert] = [join(tls, 'key.pem'), join(tls, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const port = await freePort();
    const server = spawn('redis-server', ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no'], { stdio: 'ignore' });
    const url = `rediss://127.0.0.1:${port}`;
    const trust = { NODE_EXTRA_CA_CERTS: cert };
    const worker = start(['worker', '--queue', url, '--outputs', join(dir, 'out-tls')], trust);
    try {
      await until(() => /^worker on /m.test(worker.out), 30_000, 'the worker to start');
      const r = runPipe(['run', 'p.yaml', '--queue', url, '--outputs', join(dir, 'out-tls'), '--workers', '1', '--set', 'stages.train.epochs=1'], { cwd: dir, env: trust });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^\[train\] epoch 1\/1 /m);
    } finally {
      worker.child.kill('SIGKILL');
      server.kill('SIGKILL');
    }
  }, 120_000);
});
