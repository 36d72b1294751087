// The seed pipelines end to end (issue 21, point 2): for each stage of alexnet, resnet9,
// inception-resnet, densenet (cycle1; cycle2 steps the same with a tenth of the lr) and task2-ae
// (pretrain, finetune), at the pipeline's own batch size, chain and optimiser, on a Tiny ImageNet
// tree: the first run's decode and decoded-cache size, the data path alone, N training steps timed
// end to end (batches, augmentation, steps), one full validation pass, peak RSS and the projected
// epoch; beside the same stage in PyTorch (bench/reference/seed_pipeline.py: torchvision
// transforms, DataLoader workers, channels-last, the faster of 1 thread and every core). Every
// measurement runs in a fresh process (bench/lib/seed-stage.ts for ours); the sides take turns
// stage by stage, the peer first, so load that comes and goes hits both.
//
//   npm run bench:seed -- --data TREE
//   npm run bench:seed -- --make-tree /tmp/tiny --scale 0.01 --pipelines resnet9,task2-ae/pretrain --steps 3
//   npm run bench:seed -- --data TREE --no-peer --steps 50
//   npm run bench:seed -- --data TREE --pipelines densenet --steps 5 --val-batches 8   # a val sample, projected
//   npm run bench:seed -- --parameters      # our models' trainable parameters, as JSON
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expectedBackend } from '../src/backend/index.js';
import { resolvePipeline } from '../src/config/resolve.js';
import { defaultLoaderWorkers } from '../src/data/loader.js';
import { writeTinyImageNetLike } from '../src/data/tiny-imagenet-like.js';
import { analyzeGraphs } from '../src/graph/analyze.js';
import { measureSeedStage, type SeedMeasure, type SeedSetting } from './lib/seed-stage.js';
import { runInChild } from './lib/step-timer.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PEER = fileURLToPath(new URL('./reference/seed_pipeline.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
/** The seed study's stages, pipeline by pipeline (the peer script keeps the same list). */
const SEED_STAGES: Readonly<Record<string, readonly string[]>> = {
  alexnet: ['train'],
  resnet9: ['train'],
  'inception-resnet': ['train'],
  densenet: ['cycle1'],
  'task2-ae': ['pretrain', 'finetune'],
};
/** Tiny ImageNet's real counts: the projection scales a smaller tree's epoch to them. */
const FULL_TRAIN = 100_000;
const FULL_VAL = 10_000;

/** A bad option: said in one line, without a stack. */
class UsageError extends Error {}

const pipelineFile = (name: string) => join(REPO, 'pipelines', `${name}.yaml`);

/** `alexnet,task2-ae/finetune` -> [pipeline, stage] pairs; a bare name takes all its seed stages. */
function chosenStages(list: string | undefined): [string, string][] {
  if (list === undefined) return Object.entries(SEED_STAGES).flatMap(([p, stages]) => stages.map((s): [string, string] => [p, s]));
  return list.split(',').filter(Boolean).flatMap((item) => {
    const [p, s] = item.trim().split('/');
    if (!SEED_STAGES[p]) throw new UsageError(`--pipelines: '${p}' is not a seed pipeline (${Object.keys(SEED_STAGES).join(', ')})`);
    if (s !== undefined && !SEED_STAGES[p].includes(s)) throw new UsageError(`--pipelines: ${p} has no seed stage '${s}' (${SEED_STAGES[p].join(', ')})`);
    return (s === undefined ? SEED_STAGES[p] : [s]).map((st): [string, string] => [p, st]);
  });
}

function count(v: string | undefined, fallback: number, flag: string, min: number): number {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: expected a whole number >= ${min}, got ${v}`);
  return n;
}

/** Trainable parameters of every model of every seed pipeline, from the graph analyzer. */
async function ourParameters(): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const name of Object.keys(SEED_STAGES)) {
    const { pipeline, locate } = await resolvePipeline(pipelineFile(name), { cwd: REPO });
    const plan = analyzeGraphs(pipeline, locate);
    out[name] = Object.fromEntries(Object.entries(plan.models).map(([m, info]) => [m, info.trainable]));
  }
  return out;
}

/** The peer at its best: the faster, end to end, of one torch thread and every core. */
function peer(pipeline: string, stage: string, data: string, warmup: number, steps: number, valBatches: number | undefined): SeedMeasure | string {
  const runs: SeedMeasure[] = [];
  for (const threads of new Set([1, availableParallelism()])) {
    const args = [PEER, '--pipeline', pipeline, '--stage', stage, '--data', data, '--warmup', String(warmup), '--steps', String(steps), '--threads', String(threads), '--workers', String(defaultLoaderWorkers()), '--val-batches', String(valBatches ?? 0)];
    try {
      const out = execFileSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO });
      runs.push(JSON.parse(out.trim().split('\n').pop() as string) as SeedMeasure);
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      return `${PYTHON} failed: ${(err.stderr ?? '').trim().split('\n').pop() || err.message.split('\n')[0]}`;
    }
  }
  return runs.sort((a, b) => b.step_img_s - a.step_img_s)[0];
}

/** Seconds of one full-size epoch: the stage's items scaled to 100,000 train images, plus the val pass scaled to 10,000. */
function projectedEpochS(m: SeedMeasure): number {
  const items = m.train_items * (FULL_TRAIN / m.train_split_images);
  return items / m.step_img_s + (m.val_s === null || m.val_images === null ? 0 : m.val_s * (FULL_VAL / m.val_images));
}

/** What bounds the end-to-end step: the data path when, alone, it is not clearly faster than the step. */
function limit(m: SeedMeasure): string {
  const r = m.data_img_s / m.step_img_s;
  return r < 1.5 ? `data path (alone ${r.toFixed(1)}x the step)` : `step (data path ${r.toFixed(1)}x faster)`;
}

const fixed = (x: number | null | undefined, d: number) => (x === null || x === undefined ? '-' : x.toFixed(d));

function row(label: string, ours: SeedMeasure | string, theirs: SeedMeasure | string | null): string {
  const o = typeof ours === 'string' ? null : ours;
  const t = typeof theirs === 'string' || theirs === null ? null : theirs;
  const batch = o?.batch ?? t?.batch ?? '-';
  const setup = o ? `${o.threads} worker(s)${o.micro_batch ? `, micro_batch ${o.micro_batch}` : ''}` : `failed: ${ours as string}`;
  const oE = o && projectedEpochS(o);
  const tE = t && projectedEpochS(t);
  const tSetup = t ? `${t.threads} thread(s), ${t.loader_workers} loader worker(s)` : theirs === null ? 'not run' : `failed: ${theirs as string}`;
  const cells = [
    label, batch, fixed(o?.decode_s, 1), fixed(o?.cache_mb, 0),
    fixed(o?.data_img_s, 0), fixed(o?.step_img_s, 1), fixed(o?.val_s, 1), fixed(o?.peak_rss_mb, 0), fixed(oE, 0), setup, o ? limit(o) : '-',
    fixed(t?.data_img_s, 0), fixed(t?.step_img_s, 1), fixed(t?.val_s, 1), t ? `${t.peak_rss_mb.toFixed(0)} (+${fixed(t.worker_rss_mb, 0)})` : '-', fixed(tE, 0), tSetup, t ? limit(t) : '-',
    o && t ? (o.step_img_s / t.step_img_s).toFixed(2) : '-', oE && tE ? (tE / oE).toFixed(2) : '-',
  ];
  return `| ${cells.join(' | ')} |`;
}

const HEADER = [
  'pipeline/stage', 'batch', 'decode s (first run)', 'decoded cache MB',
  'ours: data path img/s', 'ours: step img/s (end to end)', 'ours: val pass s', 'ours: peak RSS MB', 'ours: projected epoch s', 'ours: setup', 'ours: limited by',
  'PyTorch: data path img/s', 'PyTorch: step img/s (end to end)', 'PyTorch: val pass s', 'PyTorch: peak RSS MB (+largest worker)', 'PyTorch: projected epoch s', 'PyTorch: setup', 'PyTorch: limited by',
  'PyTorch/ours time (steps)', 'PyTorch/ours time (epoch)',
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' }, 'make-tree': { type: 'string' }, scale: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' },
      'val-batches': { type: 'string' }, pipelines: { type: 'string' }, 'no-peer': { type: 'boolean' }, backend: { type: 'string' }, child: { type: 'string' }, parameters: { type: 'boolean' },
    },
  });
  if (values.child) {
    console.log(JSON.stringify(await measureSeedStage(JSON.parse(values.child) as SeedSetting)));
    return;
  }
  if (values.parameters) {
    console.log(JSON.stringify(await ourParameters()));
    return;
  }
  if ((values.data === undefined) === (values['make-tree'] === undefined)) throw new UsageError('give one of --data TREE (a Tiny ImageNet tree) or --make-tree DIR (a new one is written there first)');
  if (values.scale !== undefined && !values['make-tree']) throw new UsageError('--scale goes with --make-tree');
  const stages = chosenStages(values.pipelines);
  const steps = count(values.steps, 20, '--steps', 1);
  const warmup = count(values.warmup, 2, '--warmup', 0);
  const valBatches = values['val-batches'] === undefined ? undefined : count(values['val-batches'], 0, '--val-batches', 1);
  let data: string;
  if (values['make-tree']) {
    data = resolve(values['make-tree']);
    if (existsSync(data) && readdirSync(data).length > 0) throw new UsageError(`--make-tree ${data}: not empty; give a new folder, or pass it as --data`);
    const scale = Number(values.scale ?? 1);
    if (!(scale > 0 && scale <= 1)) throw new UsageError(`--scale: expected a share in (0, 1], got ${values.scale}`);
    const n = (x: number) => Math.max(1, Math.round(x * scale));
    const tree = await writeTinyImageNetLike({ root: data, seed: 0, trainPerClass: n(500), valImages: n(10_000), testImages: n(10_000) });
    console.log(`tree: ${tree.images} images written to ${data} (scale ${scale})`);
  } else {
    data = resolve(values.data as string);
    if (!existsSync(join(data, 'wnids.txt'))) throw new UsageError(`--data ${data}: no wnids.txt there, not a Tiny ImageNet tree (npm run bench:tiny-tree makes one)`);
  }
  const backend = await expectedBackend({ backend: values.backend, env: {} });
  console.log(`machine: ${cpus()[0].model}, ${availableParallelism()} cores, Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`ours on ${backend}, the pipeline's training workers, ${defaultLoaderWorkers()} loader worker(s); ${steps} steps after ${warmup}; val pass over ${valBatches === undefined ? 'the whole split' : `its first ${valBatches} batch(es)`}; each stage in a fresh process${values['no-peer'] ? '' : ', the peer\'s turn first'}; data ${data}`);
  const rows: string[] = [];
  for (const [p, s] of stages) {
    const label = `${p}/${s}`;
    const theirs = values['no-peer'] ? null : peer(p, s, data, warmup, steps, valBatches);
    if (typeof theirs === 'string') console.log(`  ${label}: peer ${theirs}`);
    let ours: SeedMeasure | string;
    try {
      const setting: SeedSetting = { file: pipelineFile(p), stage: s, data, warmup, steps, valBatches, backend };
      ours = runInChild<SeedMeasure>(fileURLToPath(import.meta.url), ['--child', JSON.stringify(setting)]);
    } catch (e) {
      ours = String((e as Error).message).split('\n')[0];
      console.log(`  ${label}: ours failed: ${ours}`);
    }
    rows.push(row(label, ours, theirs));
    console.log(`  ${rows[rows.length - 1]}`);
  }
  console.log();
  console.log(`| ${HEADER.join(' | ')} |`);
  console.log(`|${HEADER.map((_, i) => (i === 0 || i === 9 || i === 10 || i === 16 || i === 17 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) console.log(r);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

try {
  await main();
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`bench:seed: ${e.message}`);
  process.exitCode = 2;
}
