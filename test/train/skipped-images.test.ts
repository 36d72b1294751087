// `on_bad_image: skip` names every file it leaves out: a warning on stderr, a JSON event, and the
// run folder's skipped.json; the decode line counts decoded and skipped images apart. A run that
// finds the split in the decode cache names them again.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPipe } from '../helpers/cli.js';
import { buildTinyImageNet, type TinyImageNetTree } from '../helpers/tiny-imagenet.js';

const PIPELINE = (root: string) => `name: skips
dataset: {format: tiny-imagenet, root: ${root}, image_size: [8, 8], resize: true, on_bad_image: skip}
models:
  net:
    input: [8, 8, 3]
    nodes:
      - {op: global_avgpool}
      - {op: dense, name: out, units: 2}
stages:
  train:
    kind: classify
    model: net
    train: {split: train}
    epochs: 1
    batch_size: 4
    optimizer: {type: sgd, lr: 0.1}
`;

let tree: TinyImageNetTree;
let dir: string;
beforeAll(async () => {
  tree = await buildTinyImageNet({ classes: 2, trainPerClass: 3, valPerClass: 1, test: 0, size: 8, truncated: true });
  dir = mkdtempSync(join(tmpdir(), 'pipe-skips-'));
  writeFileSync(join(dir, 'p.yaml'), PIPELINE(tree.root));
}, 60_000);

const warning = () => `warning: the train split: 1 of 7 images skipped (dataset.on_bad_image: skip; listed in the run folder's skipped.json):\n  ${tree.truncated}: `;

describe('skipped images are named', () => {
  it('on the console, in the run folder, and again when the split comes from the decode cache', () => {
    const first = runPipe(['run', 'p.yaml', '--workers', '1'], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('decoded the train split: 6 images, 1 skipped (dataset.on_bad_image: skip)\n');
    expect(first.stderr.startsWith(warning())).toBe(true);
    const run = /run folder: (.+)/.exec(first.stdout)![1].trim();
    const skipped = JSON.parse(readFileSync(join(run, 'skipped.json'), 'utf8'));
    expect(Object.keys(skipped)).toEqual(['train']);
    expect(skipped.train).toHaveLength(1);
    expect(skipped.train[0].file).toBe(tree.truncated);
    expect(typeof skipped.train[0].reason).toBe('string');
    // Another stage key (more epochs), the same decoded split: read from the cache, named again.
    const again = runPipe(['run', 'p.yaml', '--workers', '1', '--set', 'stages.train.epochs=2'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stderr.startsWith(warning())).toBe(true);
    // The same stage again: reused from the store, its folder still lists what its data skipped.
    const reused = runPipe(['run', 'p.yaml', '--workers', '1'], { cwd: dir });
    expect(reused.stdout).toContain('reused from the cache');
    const folder = /run folder: (.+)/.exec(reused.stdout)![1].trim();
    expect(JSON.parse(readFileSync(join(folder, 'train', 'skipped.json'), 'utf8')).train[0].file).toBe(tree.truncated);
  });

  it('--json: one skipped event naming each file', () => {
    const r = runPipe(['run', 'p.yaml', '--workers', '1', '--json', '--set', 'stages.train.epochs=3'], { cwd: dir });
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const skipped = events.filter((e) => e.event === 'skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ split: 'train', listed: 7, files: [{ file: tree.truncated }] });
    expect(r.stderr).toBe('');
  });
});
