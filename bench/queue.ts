// Stage jobs on a queue against the local executor (issue 16, point 6): one 16-trial study of
// small stages (a grid of 16 learning rates over one 3-epoch classify stage, ~1-3 s of training
// each) run by `pipe study --jobs 1|2` (local child processes) and by `pipe study --queue URL`
// with 1, 2 and 4 `pipe worker` processes on a redis-server started here (loopback, no
// persistence). Every configuration starts from an empty outputs folder (nothing cached), runs
// the real binary (bin/pipe.js, dist/), and is repeated --rounds times (default 3; the order of
// the configurations rotates each round); medians are printed.
//
// What is measured, on one clock (this process's, when it reads each child's output line):
// - makespan: from spawning the submitter to its exit;
// - per job, in a local study: the job's wall time as the submitter saw it (study.json
//   stages[].seconds) minus its epochs' own seconds: process start, backend start, data load,
//   the store's writes;
// - per job, on the queue: the same from the worker's side (its `> id` to `= id` lines: the
//   worker runs each job in a child process as the local executor does), the worker's pickup
//   gap (its `= id` to its next `> id`: fetching the next job from Redis), and the completion's
//   trip back (the worker's `= id` to the submitter's job_end event). The submitter's own
//   stages[].seconds is not per-job time on the queue: it hands every ready job to Redis at once,
//   so it also counts the time the job waited for a worker.
// Run: npm run bench:queue [-- --rounds N]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeTinyImageNetLike } from '../src/data/tiny-imagenet-like.js';
import type { StudyRecord } from '../src/study/record.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } } });
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds: expected a whole number >= 1, found ${values.rounds}`);
const TRIALS = 16;
/** A configuration that has not finished after this long is killed and reported as failed. */
const TIMEOUT_MS = 10 * 60_000;
/** How long workers get to close after SIGTERM before SIGKILL. */
const CLOSE_MS = 10_000;
const PIPE = fileURLToPath(new URL('../bin/pipe.js', import.meta.url));

// ---- The study: 4 classes of 32x32 shapes, 256 training and 64 val images; a two-conv net. ----
const dir = mkdtempSync(join(tmpdir(), 'pipe-bench-queue-'));
await writeTinyImageNetLike({ root: join(dir, 'data'), seed: 0, classes: 4, trainPerClass: 64, valImages: 64, testImages: 4, size: 32 });
writeFileSync(
  join(dir, 'p.yaml'),
  `name: small
seed: 5
dataset: {format: tiny-imagenet, root: data, image_size: [32, 32]}
models:
  net:
    input: [32, 32, 3]
    nodes:
      - {op: conv, filters: 16, kernel: 3, padding: 1, activation: relu}
      - {op: maxpool, kernel: 2}
      - {op: conv, filters: 16, kernel: 3, padding: 1, activation: relu}
      - {op: global_avgpool}
      - {op: dense, name: logits, units: 4}
stages:
  train:
    kind: classify
    model: net
    train: {split: train}
    val: {split: val}
    epochs: 3
    batch_size: 16
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
`,
);
const lrs = Array.from({ length: TRIALS }, (_, i) => Number((0.005 * 1.2 ** i).toPrecision(3)));
writeFileSync(join(dir, 'study.yaml'), `name: queue_bench\npipeline: p.yaml\ngrid:\n  stages.train.optimizer.lr: [${lrs.join(', ')}]\nmetric: train.val_top1\n`);

// ---- Child processes, all killed on any exit. They stay in this process's session: Linux's
// autogroup scheduling gives each session an equal share of a loaded machine, so workers in
// sessions of their own would get more of it than a local study's jobs in one. A job process
// ends when its parent (the submitter or a worker) goes: it sees its pipe close. ----
interface Line {
  readonly t: number;
  readonly text: string;
}
interface Proc {
  readonly child: ChildProcess;
  readonly lines: Line[];
  readonly exited: Promise<number | null>;
}
const live = new Set<ChildProcess>();
const kill = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(child.pid!, signal);
  } catch {
    // already gone
  }
};
process.on('exit', () => {
  for (const child of live) kill(child, 'SIGKILL');
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

function start(command: string, args: readonly string[]): Proc {
  const child = spawn(command, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const lines: Line[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (text) => lines.push({ t: performance.now(), text }));
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  return { child, lines, exited };
}
const pipe = (args: readonly string[]) => start(process.execPath, [PIPE, ...args]);

async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  kill(p.child, signal);
  const timer = setTimeout(() => kill(p.child, 'SIGKILL'), CLOSE_MS);
  await p.exited;
  clearTimeout(timer);
}

async function until(test: () => boolean, deadline: number, what: string): Promise<void> {
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// ---- One configuration ----
interface Config {
  readonly name: string;
  /** Local jobs at once, or queue workers (one job each). */
  readonly local?: number;
  readonly workers?: number;
}
interface Measured {
  readonly makespan: number;
  /** Per job: its wall time (submitter's for local, worker's for the queue) minus its epochs. */
  readonly jobOverhead: number;
  /** Per job: the sum of its epochs' seconds (training alone). */
  readonly epochs: number;
  /** Queue only: a worker's gap between finishing a job and starting its next. */
  readonly pickup: number | null;
  /** Queue only: the worker's end of a job to the submitter hearing of it. */
  readonly completion: number | null;
  readonly load: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function readRecord(outputs: string): StudyRecord {
  const [name] = readdirSync(join(outputs, 'studies'));
  return JSON.parse(readFileSync(join(outputs, 'studies', name, 'study.json'), 'utf8')) as StudyRecord;
}

/** The submitter's JSON events, with the time each was read. */
const events = (p: Proc) =>
  p.lines.flatMap(({ t, text }) => {
    if (!text.startsWith('{')) return [];
    return [{ t, ...(JSON.parse(text) as { event: string; key?: string; status?: string }) }];
  });

async function measure(config: Config): Promise<Measured> {
  const outputs = join(dir, `outputs-${config.name.replace(/\W+/g, '-')}`);
  rmSync(outputs, { recursive: true, force: true });
  const deadline = performance.now() + TIMEOUT_MS;
  const load = loadavg()[0];
  const procs: Proc[] = [];
  try {
    let queueArgs: string[] = [];
    let workers: Proc[] = [];
    if (config.workers) {
      const port = await freePort();
      const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
      procs.push(redis);
      await until(() => redis.lines.some((l) => /Ready to accept connections/.test(l.text)), deadline, 'redis-server to start');
      const url = `redis://127.0.0.1:${port}`;
      workers = Array.from({ length: config.workers }, () => pipe(['worker', '--queue', url, '--outputs', outputs, '--workers', '1']));
      procs.push(...workers);
      await until(() => workers.every((w) => w.lines.some((l) => l.text.startsWith('worker on '))), deadline, 'the workers to start');
      queueArgs = ['--queue', url];
    }
    const t0 = performance.now();
    const submitter = pipe(['study', 'study.yaml', '--outputs', outputs, '--workers', '1', '--json', ...(config.local ? ['--jobs', String(config.local)] : queueArgs)]);
    procs.push(submitter);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(0, deadline - performance.now())).unref());
    const code = await Promise.race([submitter.exited, timeout]);
    const makespan = (performance.now() - t0) / 1000;
    if (code === 'timeout') throw new Error(`did not finish within ${TIMEOUT_MS / 60_000} minutes`);
    const output = () => submitter.lines.slice(-20).map((l) => l.text).join('\n');
    if (code !== 0) throw new Error(`pipe study exited with ${code}:\n${output()}`);
    const record = readRecord(outputs);
    const done = record.stages.filter((s) => s.status === 'done');
    if (done.length !== TRIALS) throw new Error(`expected ${TRIALS} stages done, found ${done.length}:\n${output()}`);
    const epochsOf = new Map(done.map((s) => [s.key, s.records.reduce((a, r) => a + r.seconds, 0)]));
    const epochs = median([...epochsOf.values()]);
    if (!config.workers) return { makespan, jobOverhead: median(done.map((s) => s.seconds - epochsOf.get(s.key)!)), epochs, pickup: null, completion: null, load };

    // The queue: each worker's `> id` / `= id` lines, and the submitter's job_end events.
    const ended = new Map(events(submitter).filter((e) => e.event === 'job_end').map((e) => [e.key!, e.t]));
    const perJob: number[] = [];
    const pickups: number[] = [];
    const completions: number[] = [];
    for (const w of workers) {
      let lastEnd: number | null = null;
      const starts = new Map<string, number>();
      for (const { t, text } of w.lines) {
        const m = /^([>=]) (\w+):/.exec(text);
        if (!m) continue;
        const id = m[2];
        if (m[1] === '>') {
          starts.set(id, t);
          if (lastEnd !== null) pickups.push((t - lastEnd) / 1000);
        } else {
          lastEnd = t;
          perJob.push((t - starts.get(id)!) / 1000 - epochsOf.get(id)!);
          if (ended.has(id)) completions.push((ended.get(id)! - t) / 1000);
        }
      }
    }
    if (perJob.length !== TRIALS) throw new Error(`the workers logged ${perJob.length} finished jobs, expected ${TRIALS}`);
    return { makespan, jobOverhead: median(perJob), epochs, pickup: median(pickups), completion: median(completions), load };
  } finally {
    // Submitter first, then the workers (they checkpoint nothing: their jobs are done), then Redis.
    for (const p of [...procs].reverse()) await stop(p);
    rmSync(outputs, { recursive: true, force: true });
  }
}

// ---- The rounds ----
const CONFIGS: readonly Config[] = [
  { name: 'local, --jobs 1', local: 1 },
  { name: 'local, --jobs 2', local: 2 },
  { name: 'queue, 1 worker', workers: 1 },
  { name: 'queue, 2 workers', workers: 2 },
  { name: 'queue, 4 workers', workers: 4 },
];
const model = spawnSync('lscpu', { encoding: 'utf8' }).stdout.match(/Model name:\s*(.*)/)?.[1] ?? cpus()[0]?.model ?? 'unknown';
console.log(`${model}, ${cpus().length} cores, Node ${process.versions.node}; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`study: ${TRIALS} trials (one 3-epoch classify stage each, distinct keys), ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}; data and files in ${dir}`);
if (cpus().length < 4) console.log(`note: 4 workers on ${cpus().length} cores oversubscribe the machine; this bench is about the queue's overhead, not scaling`);

const results = new Map<string, Measured[]>(CONFIGS.map((c) => [c.name, []]));
const failures: string[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < CONFIGS.length; i++) {
    const config = CONFIGS[(i + round) % CONFIGS.length];
    try {
      const m = await measure(config);
      results.get(config.name)!.push(m);
      const extra = m.pickup === null ? '' : `, pickup ${m.pickup.toFixed(3)} s, completion ${m.completion!.toFixed(3)} s`;
      console.log(`round ${round + 1}: ${config.name}: ${m.makespan.toFixed(1)} s (per job: epochs ${m.epochs.toFixed(2)} s, overhead ${m.jobOverhead.toFixed(2)} s${extra}; load ${m.load.toFixed(1)})`);
    } catch (e) {
      failures.push(`round ${round + 1}: ${config.name}: ${(e as Error).message}`);
      console.log(`round ${round + 1}: ${config.name}: FAILED: ${(e as Error).message}`);
    }
  }
}

// ---- The table ----
const med = (name: string, f: (m: Measured) => number | null) => {
  const xs = results.get(name)!.map(f).filter((x): x is number => x !== null);
  return xs.length ? median(xs) : null;
};
const fmt = (x: number | null, digits: number) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(digits));
const localAt: Record<number, string> = { 1: 'local, --jobs 1', 2: 'local, --jobs 2' };
console.log(`\nmedians of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} (seconds):\n`);
console.log('| configuration | makespan | (makespan - local at the same concurrency) / 16 | per job: epochs | per job: wall - epochs | queue pickup gap | completion to submitter | load average |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const c of CONFIGS) {
  const makespan = med(c.name, (m) => m.makespan);
  const peer = c.workers ? localAt[c.workers] : undefined;
  const peerSpan = peer ? med(peer, (m) => m.makespan) : null;
  const delta = makespan !== null && peerSpan !== null ? (makespan - peerSpan) / TRIALS : null;
  const cells = [fmt(makespan, 1), c.workers ? fmt(delta, 3) : '', fmt(med(c.name, (m) => m.epochs), 2), fmt(med(c.name, (m) => m.jobOverhead), 2), fmt(med(c.name, (m) => m.pickup), 3), fmt(med(c.name, (m) => m.completion), 3), fmt(med(c.name, (m) => m.load), 1)];
  console.log(`| ${c.name} | ${cells.join(' | ')} |`);
}
console.log(`\nload average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
if (failures.length) {
  console.log(`\n${failures.length} failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
