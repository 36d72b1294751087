// Reading a 1,000-trial study: loadStudy (validate, expand, resolve and check every trial's
// graphs) and the study's plan (src/study/plan.ts: every trial's stage keys as `pipe run`
// computes them, its checks, the distinct jobs), the split fingerprints computed once per data set. The study is a grid over
// pipelines/task2-ae.yaml: 10 fine-tuning lrs x 10 head dropouts x 10 seeds, on a small generated
// Tiny-ImageNet-layout tree (its listing is the only data read). Median of ROUNDS rounds in one
// process; the first round also pays the pipeline schema's compilation (dist/ ships it
// precompiled, tsx runs src/), printed apart. Target: under 2 s. Run: npm run bench:study
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StageStore } from '../src/cache/store.js';
import { writeTinyImageNetLike } from '../src/data/tiny-imagenet-like.js';
import { loadStudy } from '../src/study/load.js';
import { planStudy, type StudyPlan } from '../src/study/plan.js';
import type { CheckedTrial, ResolvedStudy } from '../src/study/types.js';

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

/** The study's plan, as `pipe study` makes it: every trial's stage keys (splits listed and
 *  fingerprinted once per data set, through a stat cache in a fresh store), its checks, and the
 *  distinct jobs. */
async function keyAll(study: ResolvedStudy, trials: readonly CheckedTrial[]): Promise<StudyPlan> {
  return planStudy(study, trials, { backend: 'wasm', workers: 1, store: StageStore.at(join(dir, 'outputs'), () => {}) });
}

const rounds: number[] = [];
let pretrainKeys = 0;
for (let r = 0; r < ROUNDS + 1; r++) {
  const start = performance.now();
  const { study, trials } = await loadStudy(join(dir, 'study.yaml'), { cwd: dir, sets: [`dataset.root=${root}`] });
  const loaded = performance.now();
  const plan = await keyAll(study, trials);
  const ms = performance.now() - start;
  pretrainKeys = plan.jobs.filter((j) => j.stage === 'pretrain').length;
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
