// Training throughput of the engine's own step (src/train/parallel: the pipeline's model as the
// graph compiler builds it, its loss, the fused optimiser of its stage) with 1 and 2 training
// workers, beside ../shared/reference/torch_throughput.py (PyTorch, same model, batch and size) at
// its best thread count, measured in the same run. Issue 10's two settings:
//   resnet9   pipelines/resnet9.yaml's model, 56x56x3, batch 64, 200 classes
//   fashion   pipelines/fashion-resnet.yaml's model, 28x28x1, batch 128, 10 classes (the peer's
//             `small`: the same net at width 16)
// Our CPU time per step (every thread of the process) is beside the wall time: what the workers
// cost in all, so N workers' CPU rate against one worker's is their efficiency, whatever the load.
// Inputs are random (normal pixels, uniform labels): throughput does not depend on them, and the
// data pipeline is measured by bench:data. Every measurement runs in a fresh process (a grown
// wasm heap slows what follows), and ours and the peer's take turns round by round, so load that
// comes and goes on this shared machine hits both; figures are medians over all timed steps, and
// the ratios are of medians taken in the same run.
//
//   npm run bench:train                          # both settings, 1 and 2 workers, the peer
//   npm run bench:train -- --setting fashion     # one setting
//   npm run bench:train -- --rounds 3 --steps 8  # more samples
//   npm run bench:train -- --optimizer           # also: the update alone of sgd, adam and rmsprop,
//                                                #   composition vs fused native kernel (and, for
//                                                #   sgd, one fused JavaScript pass)
//   npm run bench:train -- --set 'stages.train.optimizer={type: adam, lr: 1.0e-3}'
//                                                # the settings' pipelines with pipe run's --set
//   npm run bench:train -- --backend wasm        # ours on that backend (default: the one pipe run
//                                                #   picks, wasm-onednn where its addon is built)
//   npm run bench:train -- --workers 1,2,4,8,16  # a sweep of training workers (default 1,2); the
//                                                #   peer runs at the same thread counts (up to the
//                                                #   cores) and each side's scaling over 1 is shown
//   npm run bench:train -- --adam                # each setting also with Adam (lr 1e-3) in place of
//                                                #   its SGD: Adam's speed over SGD's per worker count
//   npm run bench:train -- --profile             # only: where one step of each setting's pipeline
//                                                #   model goes, per kernel (tf.profile, one worker),
//                                                #   and V8's collections over 10 steps; with
//                                                #   --setting alexnet or inception-resnet, theirs
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expectedBackend, initBackend } from '../src/backend/index.js';
import { onednn, useOnednn } from '../src/backend/kernels/onednn_state.js';
import { resolvePipeline } from '../src/config/resolve.js';
import type { OptimizerConfig } from '../src/config/types.js';
import { analyzeGraphs } from '../src/graph/analyze.js';
import { compileGraphs } from '../src/graph/compile.js';
import { createOptimizer } from '../src/train/optimizers/index.js';
import { kernelTimes, type KernelTime } from './lib/kernel-times.js';
import { median, openStageStep, runInChild, timeSteps, type StepTiming } from './lib/step-timer.js';
import { MetricAccumulator } from '../src/train/metrics.js';

const SETTINGS = {
  resnet9: { file: 'pipelines/resnet9.yaml', stage: 'train', peer: ['--model', 'resnet9', '--size', '56', '--batch', '64'] },
  fashion: { file: 'pipelines/fashion-resnet.yaml', stage: 'train', peer: ['--model', 'small', '--size', '28', '--batch', '128'] },
} as const;
type SettingName = keyof typeof SETTINGS;
/** More seed pipelines for --profile alone (no peer here: bench:seed times them beside PyTorch). */
const PROFILED = {
  ...SETTINGS,
  alexnet: { file: 'pipelines/alexnet.yaml', stage: 'train' },
  'inception-resnet': { file: 'pipelines/inception-resnet.yaml', stage: 'train' },
} as const;
type ProfiledName = keyof typeof PROFILED;

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PEER = fileURLToPath(new URL('../../shared/reference/torch_throughput.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

type Measured = StepTiming;

/** Steps of the setting's stage with `workers` training workers, in this process. */
function measure(name: SettingName, workers: number, warmup: number, steps: number, backend: string, sets: readonly string[]): Promise<Measured> {
  return timeSteps({ file: SETTINGS[name].file, stage: SETTINGS[name].stage, sets, workers, warmup, steps, backend, cwd: REPO });
}

/** `measure` in a fresh process running this file. */
function measureInChild(name: SettingName, workers: number, warmup: number, steps: number, backend: string, sets: readonly string[]): Measured {
  return runInChild<Measured>(fileURLToPath(import.meta.url), ['--child', `${name}:${workers}:${warmup}:${steps}:${backend}`, ...sets.flatMap((s) => ['--set', s])]);
}

/** The peer's median step (seconds) at `threads`, or why it could not run. */
function peer(name: SettingName, threads: number, steps: number): { stepS: number; engine: string } | string {
  if (!existsSync(PEER)) return `${PEER} is missing`;
  try {
    const out = execFileSync(PYTHON, [PEER, ...SETTINGS[name].peer, '--threads', String(threads), '--steps', String(steps), '--json'], { encoding: 'utf8' });
    const r = JSON.parse(out) as { step_s: number; engine: string };
    return { stepS: r.step_s, engine: r.engine };
  } catch (e) {
    return `${PYTHON} could not run it (${String((e as Error).message).split('\n')[0]})`;
  }
}

/** The optimisers the update bench times, with the options the seed pipelines give them. */
const UPDATES = {
  // pipelines/resnet9.yaml, fashion-resnet.yaml (momentum and weight decay: the fused kernel's case).
  sgd: { type: 'sgd', lr: 0.01, momentum: 0.9, weight_decay: 2e-4 },
  // pipelines/task2-ae.yaml (L2 weight decay; densenet.yaml has none).
  adam: { type: 'adam', lr: 5e-4, weight_decay: 3e-4 },
  // pipelines/inception-resnet.yaml.
  rmsprop: { type: 'rmsprop', lr: 0.05, alpha: 0.9, eps: 1, weight_decay: 2e-4 },
} as const satisfies Record<string, OptimizerConfig>;
type UpdateName = keyof typeof UPDATES;

interface UpdateTimes {
  readonly parameters: number;
  /** Median ms of one update: the optimiser's composition of tfjs kernels (one per term of torch's formula and parameter). */
  readonly compositionMs: number;
  /** The fused native kernel (wasm-onednn only; null elsewhere). */
  readonly nativeMs: number | null;
  /** SGD only: one fused JavaScript pass over all parameters end to end (issue 10's alternative). */
  readonly jsPassMs: number | null;
}

/**
 * The update alone, on the setting's parameters with small random gradients: the optimiser's
 * composition against its fused native kernel (the oneDNN path switched off for the former), and
 * for SGD one fused JavaScript pass over all parameters laid end to end, the alternative issue
 * 10 asked to measure (float32-exact: every intermediate rounded with fround, so it reproduces
 * the kernels bit for bit), copies between the backend and JavaScript included. Turns, so load
 * that comes and goes hits each.
 */
async function measureOptimizer(name: SettingName, update: UpdateName, steps: number, backend: string): Promise<UpdateTimes> {
  const { tf } = await initBackend({ backend, env: {} });
  const addon = onednn();
  const { pipeline, locate } = await resolvePipeline(SETTINGS[name].file, { cwd: REPO });
  const stage = pipeline.stages[SETTINGS[name].stage];
  const model = compileGraphs(pipeline, analyzeGraphs(pipeline, locate)).model(stage.model);
  const vars = model.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs').Variable);
  const grads = vars.map((v) => tf.randomNormal(v.shape, 0, 1e-3, 'float32', 1));
  const config = UPDATES[update];
  const engine = createOptimizer(config, vars);
  const total = vars.reduce((a, v) => a + v.size, 0);
  const [p, g, buf] = [new Float32Array(total), new Float32Array(total), new Float32Array(total)];
  const jsPass = () => {
    let at = 0;
    vars.forEach((v, i) => {
      p.set(v.dataSync() as Float32Array, at);
      g.set(grads[i].dataSync() as Float32Array, at);
      at += v.size;
    });
    // torch's SGD step (buf = m * buf + g + wd * p; p -= lr * buf), rounded as float32 kernels round.
    const f = Math.fround;
    const [w, m, r] = [f(UPDATES.sgd.weight_decay), f(UPDATES.sgd.momentum), f(UPDATES.sgd.lr)];
    for (let i = 0; i < total; i++) {
      const next = f(f(buf[i] * m) + f(g[i] + f(p[i] * w)));
      buf[i] = next;
      p[i] = f(p[i] - f(next * r));
    }
    at = 0;
    for (const v of vars) tf.tidy(() => v.assign(tf.tensor(p.subarray(at, (at += v.size)), v.shape, 'float32')));
  };
  const runs: [keyof typeof times, () => void][] = [['composition', () => { useOnednn(null); engine.step(grads, config.lr); useOnednn(addon); }]];
  if (addon) runs.push(['native', () => engine.step(grads, config.lr)]);
  if (update === 'sgd') runs.push(['jsPass', jsPass]);
  const times = { composition: [] as number[], native: [] as number[], jsPass: [] as number[] };
  for (let i = 0; i < steps + 2; i++) {
    for (const [key, run] of runs) {
      const t = performance.now();
      run();
      if (i >= 2) times[key].push(performance.now() - t);
    }
  }
  engine.dispose();
  const ms = (xs: number[]) => (xs.length ? median(xs) : null);
  return { parameters: total, compositionMs: median(times.composition), nativeMs: ms(times.native), jsPassMs: ms(times.jsPass) };
}

/** A step optimiser to time each setting with: its own (SGD), or Adam put in its place by --set. */
interface Variant {
  readonly optimizer: string;
  readonly sets: readonly string[];
}

/** The Adam of pipelines/densenet.yaml and task2-ae.yaml's stages, in place of a setting's SGD. */
const ADAM_SET = 'stages.train.optimizer={type: adam, lr: 1.0e-3}';

/** `--workers 1,2,4`: distinct whole counts of at least 1, ascending. */
function workerList(text: string): number[] {
  const counts = text.split(',').map((t) => Number(t.trim()));
  const bad = counts.find((n) => !Number.isInteger(n) || n < 1 || n > 256);
  if (bad !== undefined || !counts.length) throw new Error(`--workers wants whole counts from 1 to 256 separated by commas, e.g. 1,2,4 (got ${JSON.stringify(text)})`);
  return [...new Set(counts)].sort((a, b) => a - b);
}

interface Row {
  readonly name: SettingName;
  readonly optimizer: string;
  readonly batch: number;
  /** img/s by worker count (ours) and thread count (the peer), from medians of all timed steps. */
  readonly ours: Map<number, number>;
  readonly oursCpu: Map<number, number>;
  readonly torch: Map<number, number>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      setting: { type: 'string' }, rounds: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' }, optimizer: { type: 'boolean' },
      backend: { type: 'string' }, set: { type: 'string', multiple: true, default: [] }, child: { type: 'string' }, workers: { type: 'string' }, adam: { type: 'boolean' },
      profile: { type: 'boolean' },
    },
  });
  if (values.child?.startsWith('profile:')) {
    const [, name, backend] = values.child.split(':');
    console.log(JSON.stringify(await profileStep(name as ProfiledName, backend, values.set)));
    return;
  }
  if (values.child?.startsWith('optimizer:')) {
    const [, name, update, steps, backend] = values.child.split(':');
    console.log(JSON.stringify(await measureOptimizer(name as SettingName, update as UpdateName, Number(steps), backend)));
    return;
  }
  if (values.child) {
    const [name, workers, warmup, steps, backend] = values.child.split(':');
    console.log(JSON.stringify(await measure(name as SettingName, Number(workers), Number(warmup), Number(steps), backend, values.set)));
    return;
  }
  const backend = await expectedBackend({ backend: values.backend, env: {} });
  if (values.profile) {
    const profiled = (values.setting ? [values.setting] : Object.keys(SETTINGS)) as ProfiledName[];
    for (const n of profiled) if (!(n in PROFILED)) throw new Error(`unknown --setting ${n} for --profile; known: ${Object.keys(PROFILED).join(', ')}`);
    console.log(`machine: ${cpus()[0].model}, ${availableParallelism()} cores, Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ours on ${backend}, one worker`);
    for (const name of profiled) printProfile(name, runInChild<Profile>(fileURLToPath(import.meta.url), ['--child', `profile:${name}:${backend}`, ...values.set.flatMap((s) => ['--set', s])]));
    return;
  }
  const names = (values.setting ? [values.setting] : Object.keys(SETTINGS)) as SettingName[];
  for (const n of names) if (!(n in SETTINGS)) throw new Error(`unknown --setting ${n}; known: ${Object.keys(SETTINGS).join(', ')}`);
  const rounds = Number(values.rounds ?? 2);
  const steps = Number(values.steps ?? 5);
  const warmup = Number(values.warmup ?? 2);
  const workers = workerList(values.workers ?? '1,2');
  const cores = availableParallelism();
  // The peer at the same counts as our workers (a thread beyond the cores only measures contention), and at every core.
  const threads = [...new Set([1, ...workers.filter((w) => w <= cores), cores])].sort((a, b) => a - b);
  const variants: Variant[] = [{ optimizer: 'own', sets: values.set }, ...(values.adam ? [{ optimizer: 'adam', sets: [...values.set, ADAM_SET] }] : [])];
  console.log(`machine: ${cpus()[0].model}, ${cores} cores, Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (values.set.length) console.log(`overrides: ${values.set.join(' ')}`);
  console.log(`ours on ${backend}, ${workers.join(', ')} worker(s); ${rounds} rounds of ${steps} timed steps (after ${warmup}) per configuration, each in a fresh process, ours and the peer's taking turns`);
  let engine = '';
  const rows: Row[] = [];
  for (const name of names) {
    // The peer's optimiser is SGD in every variant: it is timed once per setting, beside ours.
    const torch = new Map<number, number[]>(threads.map((t) => [t, []]));
    const ours = variants.map(() => new Map<number, { step: number[]; cpu: number[] }>(workers.map((w) => [w, { step: [], cpu: [] }])));
    let batch = 0;
    for (let round = 0; round < rounds; round++) {
      for (const t of threads) {
        const p = peer(name, t, steps);
        if (typeof p === 'string') console.log(`(${name}: peer skipped: ${p})`);
        else [engine] = [p.engine, torch.get(t)!.push(p.stepS)];
      }
      variants.forEach((v, i) => {
        for (const w of workers) {
          const r = measureInChild(name, w, warmup, steps, backend, v.sets);
          const into = ours[i].get(w)!;
          into.step.push(...r.stepS);
          into.cpu.push(...r.cpuS);
          batch = r.batch;
          console.log(`  ${name}${v.optimizer === 'own' ? '' : ` with ${v.optimizer}`} round ${round + 1}: ${w} worker${w > 1 ? 's' : ''} ${(batch / median(r.stepS)).toFixed(1)} img/s`);
        }
      });
    }
    const imgs = (xs: number[]) => (xs.length ? batch / median(xs) : NaN);
    const torchImgs = new Map([...torch].filter(([, xs]) => xs.length).map(([t, xs]) => [t, imgs(xs)]));
    variants.forEach((v, i) => {
      const byWorkers = (pick: 'step' | 'cpu') => new Map(workers.map((w) => [w, imgs(ours[i].get(w)![pick])]));
      rows.push({ name, optimizer: v.optimizer, batch, ours: byWorkers('step'), oursCpu: byWorkers('cpu'), torch: torchImgs });
    });
  }
  printScaling(rows, workers, threads);
  if (values.adam) printAdam(rows, workers);
  console.log(`peer: ${engine || 'none'} (its own SGD in every row); load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (values.optimizer) await printUpdates(names, steps, backend);
}

interface Profile {
  readonly wallMs: number;
  readonly kernelMs: number;
  readonly kernels: KernelTime[];
  /** Over `steps` plain steps after the profiled one: their median wall ms, and V8's collections on this thread (count, ms). */
  readonly steps: number;
  readonly stepMs: number;
  readonly gc: { count: number; ms: number };
}

/**
 * One training step of the setting's stage (the compiled pipeline model, its loss and optimiser,
 * the inline trainer) under tf.profile, per kernel, after two warm-up steps; then 10 plain steps
 * with V8's collections counted (a PerformanceObserver of 'gc' entries on this thread).
 */
async function profileStep(name: ProfiledName, backend: string, sets: readonly string[]): Promise<Profile> {
  const { tf, trainer, batch } = await openStageStep({ file: PROFILED[name].file, stage: PROFILED[name].stage, sets, workers: 1, backend, cwd: REPO });
  const acc = new MetricAccumulator();
  for (let i = 0; i < 2; i++) await trainer.step(batch, 0.01, acc);
  const t = performance.now();
  const info = await tf.profile(async () => void (await trainer.step(batch, 0.01, acc)));
  const wallMs = performance.now() - t;
  const gc = { count: 0, ms: 0 };
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => ((gc.count += 1), (gc.ms += e.duration))));
  observer.observe({ entryTypes: ['gc'] });
  const times: number[] = [];
  const steps = 10;
  for (let i = 0; i < steps; i++) {
    const s = performance.now();
    await trainer.step(batch, 0.01, acc);
    times.push(performance.now() - s);
  }
  // Entries arrive asynchronously: let the last ones in.
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  await trainer.close();
  const kernels = kernelTimes(info);
  return { wallMs, kernelMs: kernels.reduce((a, k) => a + k.ms, 0), kernels, steps, stepMs: median(times), gc };
}

function printProfile(name: ProfiledName, p: Profile): void {
  console.log(`\n${name}: one step ${p.wallMs.toFixed(0)} ms under tf.profile, ${p.kernelMs.toFixed(0)} ms in kernels; ${p.steps} plain steps: median ${p.stepMs.toFixed(0)} ms, V8 collected ${p.gc.count} times on this thread, ${p.gc.ms.toFixed(1)} ms in all (${((100 * p.gc.ms) / (p.steps * p.stepMs)).toFixed(1)}% of the steps)`);
  console.log('| kernel | ms | calls | share |');
  console.log('|---|---:|---:|---:|');
  for (const k of p.kernels.slice(0, 14)) console.log(`| ${k.name} | ${k.ms.toFixed(1)} | ${k.calls} | ${((100 * k.ms) / p.kernelMs).toFixed(1)}% |`);
}

const f1 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(1));
const times = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !Number.isFinite(a / b) ? '-' : `${(a / b).toFixed(2)}x`);

/** Throughput by workers and by the peer's threads, each side's scaling over 1, and ours against the peer's best. */
function printScaling(rows: readonly Row[], workers: readonly number[], threads: readonly number[]): void {
  const more = workers.filter((w) => w > 1);
  const peerMore = threads.filter((t) => t > 1);
  const plural = (n: number, what: string) => `${n} ${what}${n > 1 ? 's' : ''}`;
  console.log();
  const header = [
    'setting', 'optimizer', 'batch', ...workers.map((w) => `ours, ${plural(w, 'worker')} (img/s)`), ...more.map((w) => `ours ${w} vs 1`),
    ...workers.map((w) => `img per CPU-second, ${plural(w, 'worker')}`), ...threads.map((t) => `PyTorch ${plural(t, 'thread')}`),
    ...peerMore.map((t) => `PyTorch ${t} vs 1`), 'PyTorch best at', ...workers.map((w) => `${plural(w, 'worker')} / PyTorch best`),
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|---|---|${Array(header.length - 2).fill('---:').join('|')}|`);
  for (const r of rows) {
    const best = [...r.torch].sort((a, b) => b[1] - a[1])[0];
    const cells = [
      r.name, r.optimizer === 'own' ? 'its own' : r.optimizer, String(r.batch),
      ...workers.map((w) => f1(r.ours.get(w))), ...more.map((w) => times(r.ours.get(w), r.ours.get(1))),
      ...workers.map((w) => f1(r.oursCpu.get(w))), ...threads.map((t) => f1(r.torch.get(t))), ...peerMore.map((t) => times(r.torch.get(t), r.torch.get(1))),
      best ? String(best[0]) : '-', ...workers.map((w) => (best ? (r.ours.get(w)! / best[1]).toFixed(3) : '-')),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

/** Adam in place of each setting's SGD: its throughput over SGD's at every worker count (the target: within 5%). */
function printAdam(rows: readonly Row[], workers: readonly number[]): void {
  console.log();
  console.log(`| setting | ${workers.map((w) => `SGD, ${w} (img/s) | Adam, ${w} | Adam / SGD, ${w}`).join(' | ')} |`);
  console.log(`|---|${workers.map(() => '---:|---:|---:').join('|')}|`);
  for (const own of rows.filter((r) => r.optimizer === 'own')) {
    const adam = rows.find((r) => r.name === own.name && r.optimizer === 'adam');
    if (!adam) continue;
    console.log(`| ${own.name} | ${workers.map((w) => `${f1(own.ours.get(w))} | ${f1(adam.ours.get(w))} | ${times(adam.ours.get(w), own.ours.get(w))}`).join(' | ')} |`);
  }
}

/** The update alone of each optimiser (--optimizer), each in a fresh process. */
async function printUpdates(names: readonly SettingName[], steps: number, backend: string): Promise<void> {
  console.log();
  console.log('| setting | parameters | optimizer | composition: a tfjs kernel per term and parameter (ms) | fused native kernel (ms) | native / composition | one fused JavaScript pass (ms) |');
  console.log('|---|---:|---|---:|---:|---:|---:|');
  for (const name of names) {
    for (const update of Object.keys(UPDATES) as UpdateName[]) {
      const args = [...process.execArgv, fileURLToPath(import.meta.url), '--child', `optimizer:${name}:${update}:${Math.max(steps, 10)}:${backend}`];
      const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const r = JSON.parse(out.trim().split('\n').pop() as string) as UpdateTimes;
      const cell = (ms: number | null) => (ms === null ? '-' : ms.toFixed(1));
      const ratio = r.nativeMs === null ? '-' : `${(r.nativeMs / r.compositionMs).toFixed(2)}x`;
      console.log(`| ${name} | ${r.parameters.toLocaleString('en-US')} | ${update} | ${r.compositionMs.toFixed(1)} | ${cell(r.nativeMs)} | ${ratio} | ${cell(r.jsPassMs)} |`);
    }
  }
}

await main();
