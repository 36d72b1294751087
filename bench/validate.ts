// `pipe validate` of the five seed pipelines and `pipe show --model` of the DenseNet, each from a
// cold start (a fresh node process every run). Run: npm run bench:validate
// Needs a built dist/ (npm run build). Prints the median of N runs and every run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.RUNS ?? 15);
const seeds = ['alexnet', 'resnet9', 'inception-resnet', 'densenet', 'task2-ae'].map((s) => `pipelines/${s}.yaml`);

function time(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['bin/pipe.js', ...args], { cwd: repo, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`pipe ${args.join(' ')} failed:\n${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const baseline = Array.from({ length: runs }, () => {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - t;
});
const validate = Array.from({ length: runs }, () => time(['validate', ...seeds]));
const show = Array.from({ length: runs }, () => time(['show', 'pipelines/densenet.yaml', '--model', 'densenet']));
console.log(`node -e 0 (process start alone): median ${median(baseline).toFixed(0)} ms`);
console.log(`pipe validate <5 seed pipelines>: median ${median(validate).toFixed(0)} ms over ${runs} runs (${validate.map((v) => v.toFixed(0)).join(' ')})`);
console.log(`pipe show pipelines/densenet.yaml --model densenet: median ${median(show).toFixed(0)} ms over ${runs} runs (${show.map((v) => v.toFixed(0)).join(' ')})`);
