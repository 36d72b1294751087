// One training step of each model of pipelines/zoo/ (docs/zoo.md), beside the same torchvision
// model's step in PyTorch (bench/reference/zoo_step.py: channels-last, the faster of 1 thread and every core), in the same
// run: 64x64 inputs, 200 classes (Tiny ImageNet's), batch 32, the zoo files' SGD (momentum 0.9,
// weight decay 1e-4) on both sides, a random batch (ours in micro-batches where the whole batch's
// pass outgrows the 4 GiB wasm heap: the micro_batch column). Every measurement runs in a fresh process and
// the two sides take turns model by model, so load that comes and goes hits both.
//
//   npm run bench:zoo                         # the eleven models
//   npm run bench:zoo -- --all                # every model the zoo files define
//   npm run bench:zoo -- --all --from mnasnet0_5   # the same, from that model on
//   npm run bench:zoo -- --model resnet18 --model vgg11_bn --steps 5 --workers 2
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { expectedBackend } from '../src/backend/index.js';
import { median, runInChild, timeSteps, type StepTiming } from './lib/step-timer.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ZOO = join(REPO, 'pipelines', 'zoo');
const PEER = fileURLToPath(new URL('./reference/zoo_step.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
/** Issue 18's list: what `npm run bench:zoo` times without --all. */
const DEFAULT_MODELS = ['resnet18', 'resnet34', 'resnet50', 'resnext50_32x4d', 'wide_resnet50_2', 'densenet121', 'vgg11_bn', 'mobilenet_v2', 'mobilenet_v3_small', 'efficientnet_b0', 'alexnet'];
const SIZE = 64;
const CLASSES = 200;
const BATCH = 32;

/** Model name -> zoo file (relative to the repository), from the files' `models:` keys. */
function zooModels(): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(ZOO).filter((n) => n.endsWith('.yaml')).sort()) {
    const doc = parse(readFileSync(join(ZOO, f), 'utf8')) as { models?: Record<string, unknown> };
    for (const m of Object.keys(doc.models ?? {})) out.set(m, `pipelines/zoo/${f}`);
  }
  return out;
}

/** The zoo file's stage, set to the model, the batch and the class count of this bench. */
function setsFor(model: string): string[] {
  return [`stages.train.model=${model}`, `stages.train.batch_size=${BATCH}`, `params.num_classes=${CLASSES}`, `models.${model}.input=[${SIZE}, ${SIZE}, 3]`];
}

/** The peer's step at its best: the faster of one thread and every core (OpenMP's threads spin
 *  and lose badly to other load on the cores, one thread does not). */
function peer(model: string, steps: number): { stepS: number; threads: number; engine: string } | string {
  const runs: { stepS: number; threads: number; engine: string }[] = [];
  for (const threads of new Set([1, availableParallelism()])) {
    try {
      const out = execFileSync(PYTHON, [PEER, '--model', model, '--size', String(SIZE), '--batch', String(BATCH), '--classes', String(CLASSES), '--steps', String(steps), '--threads', String(threads)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const r = JSON.parse(out.trim().split('\n').pop() as string) as { step_s: number; threads: number; engine: string };
      runs.push({ stepS: r.step_s, threads: r.threads, engine: r.engine });
    } catch (e) {
      return `${PYTHON} could not run it (${String((e as Error).message).split('\n')[0]})`;
    }
  }
  return runs.sort((a, b) => a.stepS - b.stepS)[0];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', multiple: true, default: [] }, all: { type: 'boolean' }, from: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' },
      workers: { type: 'string' }, backend: { type: 'string' }, child: { type: 'string' },
    },
  });
  const zoo = zooModels();
  if (values.child) {
    const [model, workers, warmup, steps, backend] = values.child.split(':');
    const r = await timeSteps({ file: zoo.get(model)!, stage: 'train', sets: setsFor(model), workers: Number(workers), warmup: Number(warmup), steps: Number(steps), backend, cwd: REPO, fitHeap: true });
    console.log(JSON.stringify(r));
    return;
  }
  let models = values.all ? [...zoo.keys()] : values.model.length ? values.model : DEFAULT_MODELS;
  // --from: resume a sweep at this model (the ones before it were measured already).
  if (values.from !== undefined) {
    const at = models.indexOf(values.from);
    if (at < 0) throw new Error(`--from ${values.from}: not among the models to time (${models.join(', ')})`);
    models = models.slice(at);
  }
  const unknown = models.filter((m) => !zoo.has(m));
  if (unknown.length) throw new Error(`not in pipelines/zoo: ${unknown.join(', ')}; the zoo has ${[...zoo.keys()].join(', ')}`);
  const steps = Number(values.steps ?? 3);
  const warmup = Number(values.warmup ?? 1);
  const workers = Number(values.workers ?? 1);
  const backend = await expectedBackend({ backend: values.backend, env: {} });
  console.log(`machine: ${cpus()[0].model}, ${availableParallelism()} cores, Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`ours on ${backend} with ${workers} training worker(s); ${SIZE}x${SIZE}, batch ${BATCH}, ${CLASSES} classes; median of ${steps} steps after ${warmup}, each model in a fresh process, the peer's turn first`);
  const rows: string[] = [];
  let engine = 'none';
  for (const model of models) {
    const p = peer(model, steps);
    if (typeof p === 'string') console.log(`(${model}: peer skipped: ${p})`);
    else engine = `${p.engine}, channels-last, the faster of 1 and ${availableParallelism()} threads`;
    let r: StepTiming | string;
    try {
      r = runInChild<StepTiming>(fileURLToPath(import.meta.url), ['--child', `${model}:${workers}:${warmup}:${steps}:${backend}`]);
    } catch (e) {
      r = String((e as Error).message).split('\n')[0];
    }
    const ours = typeof r === 'string' ? null : median(r.stepS);
    const theirs = typeof p === 'string' ? null : p.stepS;
    const ms = (s: number | null) => (s === null ? '-' : (s * 1000).toFixed(0));
    const img = (s: number | null) => (s === null ? '-' : (BATCH / s).toFixed(1));
    const params = typeof r === 'string' ? '-' : r.parameters.toLocaleString('en-US');
    const at = typeof p === 'string' ? '-' : String(p.threads);
    const micro = typeof r === 'string' || r.microBatch === null ? '-' : String(r.microBatch);
    const row = `| ${model} | ${params} | ${ms(ours)} | ${img(ours)} | ${micro} | ${ms(theirs)} | ${img(theirs)} | ${at} | ${ours && theirs ? (theirs / ours).toFixed(2) : '-'} |`;
    console.log(typeof r === 'string' ? `  ${model}: ours failed: ${r}` : `  ${row}`);
    rows.push(row);
  }
  console.log();
  console.log('| model | parameters | ours: one step (ms) | ours (img/s) | ours: micro_batch | PyTorch: one step (ms) | PyTorch (img/s) | PyTorch threads | ours / PyTorch (speed) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log(`peer: ${engine}; load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
