// A classifier with fewer class scores than the data has classes is refused, never trained: at
// validation where the pipeline declares the classes, before the first step where only the data
// knows them (a folder's classes, an IDX file's labels, a label of 255 among three classes).
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPipe } from '../helpers/cli.js';
import { writeIdx } from '../helpers/idx.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';
import { writePatternSet } from './parallel-data.js';

const model = (units: number, tail = `      - {op: global_avgpool}\n      - {op: dense, units: ${units}}\n`) => `models:
  net:
    input: [12, 12, 1]
    nodes:
      - {op: conv, filters: 2, kernel: 3, padding: 1}
${tail}`;

const stages = (kind = 'classify', split = 'train') => `stages:
  s:
    kind: ${kind}
    model: net
    train: {split: ${split}}
    epochs: 1
    batch_size: 8
    optimizer: {type: sgd, lr: 0.01}
`;

const idx = (extra = '') => `name: cc
dataset:
  format: idx
  root: .
  channels: 1
  image_size: [12, 12]
${extra}  idx:
    train: {images: train-images.idx, labels: train-labels.idx}
    test: {images: test-images.idx, labels: test-labels.idx}
`;

let idxRoot: string;
let tinyRoot: string;
beforeAll(async () => {
  idxRoot = writePatternSet();
  // The same images with one label of 255 (as a corrupt or foreign IDX file has).
  const labels = new Uint8Array(48).map((_, i) => i % 3);
  labels[17] = 255;
  writeIdx(join(idxRoot, 'bad-labels.idx'), [48], labels, false);
  tinyRoot = (await buildTinyImageNet({ classes: 3, trainPerClass: 2, valPerClass: 1, size: 12 })).root;
}, 60_000);

function run(dir: string, yaml: string) {
  writeFileSync(join(dir, 'p.yaml'), yaml);
  return runPipe(['run', 'p.yaml', '--outputs', 'out', '--quiet'], { cwd: dir });
}

describe('class scores against classes', () => {
  it.each([
    ['classify', 2],
    ['classify', 1],
  ])('pipe validate refuses a %s stage whose model gives %i scores for 3 declared class names', (kind, units) => {
    writeFileSync(join(idxRoot, 'v.yaml'), idx('  class_names: [a, b, c]\n') + model(units) + stages(kind));
    const r = runPipe(['validate', 'v.yaml'], { cwd: idxRoot });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`v.yaml:21:12: stages.s.model: model 'net' gives ${units} class score`);
    expect(r.stderr).toContain('but the data set has 3 classes');
  });

  it('pipe run refuses a classify stage whose model does not end in a vector of scores', () => {
    const r = run(idxRoot, idx() + model(0, '') + stages());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("stages.s.model: a classify stage needs class scores: model 'net' gives [12, 12, 2], not a vector of class scores");
  });

  it('accepts more scores than classes, and a reconstruct stage whatever its output', () => {
    writeFileSync(join(idxRoot, 'v.yaml'), idx('  class_names: [a, b, c]\n') + model(5) + stages());
    expect(runPipe(['validate', 'v.yaml'], { cwd: idxRoot }).code).toBe(0);
  });

  it('refuses a classifier fine-tuned after pretraining before the pretraining trains', () => {
    const yaml = idx() + `models:
  ae:
    input: [12, 12, 1]
    nodes:
      - {op: conv, filters: 1, kernel: 3, padding: 1}
  net:
    input: [12, 12, 1]
    nodes:
      - {op: conv, filters: 2, kernel: 3, padding: 1}
      - {op: global_avgpool}
      - {op: dense, units: 2}
stages:
  pretrain: {kind: reconstruct, model: ae, train: {split: train}, epochs: 1, batch_size: 8, optimizer: {type: sgd, lr: 0.01}}
  s: {kind: classify, needs: [pretrain], model: net, train: {split: train}, epochs: 1, batch_size: 8, optimizer: {type: sgd, lr: 0.01}}
`;
    const r = runPipe(['run', 'p.yaml', '--outputs', 'pre', '--json'], { cwd: (writeFileSync(join(idxRoot, 'p.yaml'), yaml), idxRoot) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("stages.s.train: model 'net' gives 2 class scores but the data set has 3 classes");
    expect(r.stdout).not.toContain('"epoch"');
    const runs = join(idxRoot, 'pre', 'runs');
    expect(existsSync(runs) ? readdirSync(runs) : []).toEqual([]);
  });

  it.each([
    ['an IDX data set of 3 classes', () => [idxRoot, idx() + model(2) + stages()], "model 'net' gives 2 class scores but the data set has 3 classes", "split 'train' has 16 images labelled 2 or above (the largest label: 2"],
    ['an IDX label of 255 among 3 classes', () => [idxRoot, idx().replace('train-labels.idx', 'bad-labels.idx') + model(3) + stages()], "model 'net' gives 3 class scores but the data set has 256 classes", "split 'train' has 1 image labelled 3 or above (the largest label: 255"],
    ['a Tiny ImageNet tree of 3 classes', () => [tinyRoot, 'name: cc\ndataset: {format: tiny-imagenet, root: ., image_size: [12, 12]}\n' + model(2).replace('[12, 12, 1]', '[12, 12, 3]') + stages()], "model 'net' gives 2 class scores but the data set has 3 classes", "split 'train' has 2 images labelled 2 or above"],
  ])('pipe run refuses %s with too few scores before training anything', (_, make, message, detail) => {
    const [dir, yaml] = make();
    const r = run(dir, yaml);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`stages.s.train: ${message}`);
    expect(r.stderr).toContain(detail);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
