// torchvision's randomly initialised weights, an input batch and its eval-mode logits, made at test
// time by scripts/make-zoo-goldens.py --weights (too large to commit). Needs Debian's
// python3-torchvision (.ci/run installs it).
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readSafetensorsHeader, readTensor } from '../../src/graph/import/safetensors.js';
import { REPO } from '../helpers/cli.js';

export const PYTHON = '/usr/bin/python3';
export const hasTorchvision = spawnSync(PYTHON, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;

export interface TorchRun {
  /** The state_dict, as safetensors. */
  readonly weights: string;
  /** The input batch in pipe's NHWC layout, [2, size, size, 3]. */
  readonly input: Float32Array;
  readonly logits: Float32Array;
}

/** Writes `models` into `dir` (one process for all) and reads each one's input and logits back. */
export function torchRuns(dir: string, models: readonly string[], o: { size: number; classes: number }): Record<string, TorchRun> {
  execFileSync(PYTHON, [join(REPO, 'scripts', 'make-zoo-goldens.py'), '--weights', dir, '--size', String(o.size), '--num-classes', String(o.classes), ...models], { stdio: 'pipe' });
  return Object.fromEntries(
    models.map((m) => {
      const io = readSafetensorsHeader(join(dir, `${m}.io.safetensors`));
      return [m, { weights: join(dir, `${m}.safetensors`), input: nchwToNhwc(readTensor(io, 'input'), [2, 3, o.size, o.size]), logits: readTensor(io, 'logits') }];
    }),
  );
}

function nchwToNhwc(x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + ch] = x[(b * c + ch) * h * w + i];
  return out;
}

/** The largest difference between two logit vectors, relative to the larger of 1 and their scale. */
export function logitError(ours: Float32Array, theirs: Float32Array): number {
  const scale = Math.max(1, ...Array.from(theirs, Math.abs));
  return Math.max(...Array.from(ours, (v, i) => Math.abs(v - theirs[i]))) / scale;
}
