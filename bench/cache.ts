// A second `pipe run` of an unchanged pipeline: every stage found in the stage cache, nothing
// trained, no backend started. Trains the two-stage Fashion-MNIST task-2 pipeline once on a
// small subset (or the demo pipeline where Fashion-MNIST is not installed), then times RUNS
// cold all-cached runs (a fresh node process each). Run: npm run bench:cache (needs dist/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.RUNS ?? 9);
const outputs = mkdtempSync(join(tmpdir(), 'pipe-bench-cache-'));
const fashion = existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
const pipeline = fashion ? 'pipelines/fashion-task2.yaml' : 'pipelines/demo.yaml';
const sets = fashion
  ? ['stages.pretrain.train.max_images=512', 'stages.pretrain.epochs=1', 'stages.finetune.train.max_images=256', 'stages.finetune.val.max_images=256', 'stages.finetune.epochs=1']
  : ['stages.train.epochs=1', 'stages.train.train.max_images=128', 'stages.train.val.max_images=64'];
if (!fashion) spawnSync(process.execPath, ['bin/pipe.js', 'make-demo-data'], { cwd: repo, stdio: 'inherit' });
const args = ['bin/pipe.js', 'run', pipeline, '--outputs', outputs, ...sets.flatMap((s) => ['--set', s])];

function time(): { ms: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`pipe ${args.join(' ')} failed:\n${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const first = time();
console.log(`first run (trains every stage): ${(first.ms / 1000).toFixed(1)} s`);
const again = Array.from({ length: runs }, time);
const reused = again[0].stdout.match(/reused from the cache: (.*)/)?.[1] ?? 'none';
const baseline = Array.from({ length: runs }, () => {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - t;
});
console.log(`node -e 0 (process start alone): median ${median(baseline).toFixed(0)} ms`);
console.log(`pipe run ${pipeline} again (stages reused: ${reused}): median ${median(again.map((r) => r.ms)).toFixed(0)} ms over ${runs} runs (${again.map((r) => r.ms.toFixed(0)).join(' ')})`);
