// Point 7 of issue 17, through the real binary: what cannot run stops early, located, exit 2:
// a billion-fold repeat in `pipe validate` (in milliseconds, not a minute), `.inf` in a field,
// and a stage whose batch cannot fit the wasm heap in `pipe run` (a wide conv; a depthwise conv,
// which wasm trains tap by tap), before any decoding or run folder.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPipe } from '../helpers/cli.js';
import { buildTinyImageNet, type TinyImageNetTree } from '../helpers/tiny-imagenet.js';

const pipeline = (root: string, nodes: string, optimizer = '{type: sgd, lr: 0.1}') => `name: limits
seed: 0
dataset: {format: tiny-imagenet, root: ${root}, channels: 3, image_size: [64, 64]}
blocks:
  unit:
    nodes:
      - {op: conv, filters: 4, kernel: 3, padding: 1}
models:
  net:
    input: [64, 64, 3]
    nodes:
${nodes}
      - {op: global_avgpool}
      - {op: dense, units: 3}
stages:
  train: {kind: classify, model: net, train: {split: train}, val: {split: val}, epochs: 1, batch_size: 8, optimizer: ${optimizer}}
`;

let tree: TinyImageNetTree;
let dir: string;
beforeAll(async () => {
  tree = await buildTinyImageNet();
  dir = mkdtempSync(join(tmpdir(), 'pipe-limits-cli-'));
});

function write(text: string): string {
  writeFileSync(join(dir, 'p.yaml'), text);
  return 'p.yaml';
}

describe('limits through the CLI', () => {
  it('pipe validate refuses repeat: 1000000000 at the repeat, quickly', () => {
    const started = Date.now();
    const r = runPipe(['validate', write(pipeline(tree.root, '      - {block: unit, repeat: 1000000000}'))], { cwd: dir });
    expect(r.stderr).toContain("p.yaml:12:23: models.net.nodes[0].repeat: the model expands to more than 10000 nodes: repeat: 1000000000 copies of block 'unit' (1 node each) make 1,000,000,000; lower repeat or nest fewer blocks");
    expect(r.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it.each(['.inf', '-.inf', '.nan'])('pipe validate refuses lr: %s, located', (value) => {
    const r = runPipe(['validate', write(pipeline(tree.root, '      - {op: conv, filters: 4, kernel: 3}', `{type: sgd, lr: ${value}}`))], { cwd: dir });
    expect(r.stderr).toMatch(new RegExp(`^error: p\\.yaml:16:\\d+: stages\\.train\\.optimizer\\.lr: expected a finite number, found ${value.replace('.', '\\.')} `));
    expect(r.code).toBe(2);
  });

  it('pipe run refuses a stage past the wasm heap before decoding or making a run folder', () => {
    // 65,536 filters at 64x64: 1 GiB of output per image and as much again for its gradient, 8
    // images per pass; 1 image fits.
    const r = runPipe(['run', write(pipeline(tree.root, '      - {op: conv, filters: 65536, kernel: 3, padding: 1}')), '--backend', 'wasm', '--workers', '1', '--loader-workers', '0'], { cwd: dir });
    expect(r.stderr).toBe('error: stages.train: needs at least 16.0 GiB per wasm backend: weights, gradients and optimiser state of 2,031,619 parameters 15.5 MiB, activations of 8 images per pass 16.0 GiB; a wasm heap holds at most 4.00 GiB (set stages.train.micro_batch to 1 or less, or lower batch_size)\n');
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'outputs', 'runs'))).toBe(false);
    expect(existsSync(join(dir, 'outputs', 'cache', 'data'))).toBe(false);
  });

  it('pipe run refuses a depthwise conv that wasm trains tap by tap past its heap, before decoding', () => {
    // 512 channels at 64x64, 5x5: without depthwise gradient kernels each of its 25 taps keeps a
    // window, a product, a running sum and their gradients (graph/kept.ts): about 1 GiB per image, where its
    // output is 8 MiB.
    const nodes = '      - {op: conv, filters: 512, kernel: 1}\n      - {op: conv, filters: 512, kernel: 5, padding: 2, groups: depthwise}';
    const r = runPipe(['run', write(pipeline(tree.root, nodes)), '--backend', 'wasm', '--workers', '1', '--loader-workers', '0'], { cwd: dir });
    expect(r.stderr).toBe('error: stages.train: needs at least 8.28 GiB per wasm backend: weights, gradients and optimiser state of 16,899 parameters 132 KiB, activations of 8 images per pass 8.28 GiB; a wasm heap holds at most 4.00 GiB (set stages.train.micro_batch to 3 or less, or lower batch_size)\n');
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'outputs', 'runs'))).toBe(false);
    expect(existsSync(join(dir, 'outputs', 'cache', 'data'))).toBe(false);
  });
});
