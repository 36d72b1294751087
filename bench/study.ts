// Reading a 1,000-trial study: loadStudy (validate, expand, resolve and check every trial's
// graphs) and every trial's stage keys, as `pipe run` computes them (src/train/prepare.ts), with
// the split fingerprints computed once per distinct data set. The study is a grid over
// pipelines/task2-ae.yaml: 10 fine-tuning lrs x 10 head dropouts x 10 seeds, on a small generated
// Tiny-ImageNet-layout tree (its listing is the only data read). Median of ROUNDS rounds in one
// process; the first round also pays the pipeline schema's compilation (dist/ ships it
// precompiled, tsx runs src/), printed apart. Target: under 2 s. Run: npm run bench:study
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fingerprints, listUsedSplits, usedSplits } from '../src/cache/fingerprint.js';
import { stageKeys, type StageKey } from '../src/cache/key.js';
import { canonicalJson } from '../src/data/cache.js';
import { writeTinyImageNetLike } from '../src/data/tiny-imagenet-like.js';
import { loadStudy } from '../src/study/load.js';
import type { CheckedTrial } from '../src/study/types.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TARGET_MS = 2000;
const pipeline = fileURLToPath(new URL('../pipelines/task2-ae.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pipe-bench-study-'));
const root = join(dir, 'tiny');
await writeTinyImageNetLike({ root, seed: 0, classes: 4, trainPerClass: 5, valImages: 8, testImages: 2 });

const range = (n: number, f: (i: number) => number) => `[${Array.from({ length: n }, (_, i) => f(i)).join(', ')}]`;
writeFileSync(
  join(dir, 'study.yaml'),
  `name: bench_study
pipeline: ${pipeline}
grid:
  stages.finetune.optimizer.lr: ${range(10, (i) => Number((1e-4 * 1.5 ** i).toPrecision(3)))}
  models.head.nodes[1].p: ${range(10, (i) => (i + 1) / 20)}
seeds: 10
metric: finetune.val_top1
`,
);

/** Every trial's stage keys; fingerprints once per data set (the dataset and the splits read). */
async function keyAll(trials: readonly CheckedTrial[]): Promise<Record<string, StageKey>[]> {
  const prints = new Map<string, Promise<Awaited<ReturnType<typeof fingerprints>>>>();
  const out: Record<string, StageKey>[] = [];
  for (const { source, plan } of trials) {
    const p = source.pipeline;
    const data = canonicalJson({ dataset: p.dataset, splits: usedSplits(p) });
    if (!prints.has(data)) prints.set(data, listUsedSplits(p).then((listings) => fingerprints(p, listings)));
    const print = await prints.get(data)!;
    out.push(stageKeys(p, plan, { backend: 'wasm', workers: 1, fingerprint: (s) => print[s]! }));
  }
  return out;
}

const rounds: number[] = [];
let pretrainKeys = 0;
for (let r = 0; r < ROUNDS + 1; r++) {
  const start = performance.now();
  const { trials } = await loadStudy(join(dir, 'study.yaml'), { cwd: dir, sets: [`dataset.root=${root}`] });
  const loaded = performance.now();
  const keys = await keyAll(trials);
  const ms = performance.now() - start;
  pretrainKeys = new Set(keys.map((k) => k.pretrain.key)).size;
  if (trials.length !== 1000) throw new Error(`expected 1,000 trials, found ${trials.length}`);
  const line = `${(ms / 1000).toFixed(2)} s (loadStudy ${((loaded - start) / 1000).toFixed(2)} s, keys ${((ms - loaded + start) / 1000).toFixed(2)} s)`;
  if (r === 0) console.log(`round 0 (compiles the pipeline schema): ${line}`);
  else {
    rounds.push(ms);
    console.log(`round ${r}: ${line}`);
  }
}
const median = [...rounds].sort((a, b) => a - b)[Math.floor(rounds.length / 2)];
console.log(`1,000 trials of pipelines/task2-ae.yaml (${pretrainKeys} distinct pretraining keys: one per seed)`);
console.log(`median of ${rounds.length} rounds: ${(median / 1000).toFixed(2)} s (target < ${TARGET_MS / 1000} s)`);
if (median >= TARGET_MS) process.exitCode = 1;
