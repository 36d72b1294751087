// A pipeline starts from a safetensors file through the real binary: `pipe run` trains from the
// file's weights, a second run reuses the stage, and a file with other bytes trains it again.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPipe } from '../../helpers/cli.js';
import { f32, writeSafetensors } from '../../helpers/safetensors.js';
import { buildTinyImageNet } from '../../helpers/tiny-imagenet.js';

// torchvision's Sequential indices by a rename rule: features_0 is features.0.
const PIPELINE = String.raw`name: from-torch
seed: 3
dataset: {format: tiny-imagenet, root: data, image_size: [8, 8]}
models:
  net:
    input: [8, 8, 3]
    weights: {file: torch/net.safetensors, rename: [{match: '_(\d+)$', to: '.$1'}]}
    nodes:
      - {op: conv, name: features_0, filters: 4, kernel: 3, padding: 1}
      - {op: batchnorm, name: features_1}
      - {op: relu}
      - {op: global_avgpool}
      - {op: dense, name: classifier, units: 3}
stages:
  train: {kind: classify, model: net, train: {split: train}, val: {split: val}, epochs: 1, batch_size: 6, optimizer: {type: sgd, lr: 0.05}}
`;

const weights = (scale: number) => ({
  'features.0.weight': f32([4, 3, 3, 3], Array.from({ length: 108 }, (_, i) => Math.cos(i) * 0.2 * scale)),
  'features.0.bias': f32([4], [0, 0.1, -0.1, 0.2]),
  'features.1.weight': f32([4], [1, 1.2, 0.8, 1]),
  'features.1.bias': f32([4], [0, 0, 0.1, -0.1]),
  'features.1.running_mean': f32([4], [0.1, 0, -0.1, 0]),
  'features.1.running_var': f32([4], [1, 0.5, 2, 1]),
  'classifier.weight': f32([3, 4], Array.from({ length: 12 }, (_, i) => Math.sin(i) * 0.3)),
  'classifier.bias': f32([3], [0, 0, 0]),
});

let dir: string;
beforeAll(async () => {
  const data = (await buildTinyImageNet({ classes: 3, trainPerClass: 6, valPerClass: 2, size: 8 })).root;
  dir = mkdtempSync(join(tmpdir(), 'pipe-weights-run-'));
  symlinkSync(data, join(dir, 'data'));
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
  mkdirSync(join(dir, 'torch'));
  writeSafetensors(join(dir, 'torch', 'net.safetensors'), weights(1));
}, 120_000);

const run = () => runPipe(['run', 'p.yaml', '--outputs', join(dir, 'out'), '--workers', '1', '--loader-workers', '0'], { cwd: dir });

describe('pipe run from a safetensors file', () => {
  it('trains from it, reuses the stage while the file is unchanged, and trains again when its bytes change', () => {
    const first = run();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/\[train\] epoch 1\/1/);
    const second = run();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/\[train\] reused from the cache/);
    writeSafetensors(join(dir, 'torch', 'net.safetensors'), weights(2));
    const third = run();
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/\[train\] epoch 1\/1/);
  }, 180_000);
});
