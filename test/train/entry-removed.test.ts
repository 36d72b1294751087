// An entry removed while its stage trains (by hand: `pipe cache rm` refuses a locked one) does
// not crash the run at its end: the stage's results are written and sealed into it again, with
// a warning.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { StageStore } from '../../src/cache/store.js';
import { runFile } from '../helpers/run.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

let file: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const tree = await buildTinyImageNet({ classes: 2, trainPerClass: 2, valPerClass: 1, test: 0, size: 8 });
  file = join(mkdtempSync(join(tmpdir(), 'pipe-removed-')), 'p.yaml');
  writeFileSync(file, `name: removed
dataset: {format: tiny-imagenet, root: ${tree.root}, image_size: [8, 8]}
models:
  net:
    input: [8, 8, 3]
    nodes:
      - {op: global_avgpool}
      - {op: dense, name: out, units: 2}
stages:
  train: {kind: classify, model: net, train: {split: train}, val: {split: val}, epochs: 2, batch_size: 2, optimizer: {type: sgd, lr: 0.1}}
`);
}, 60_000);

describe('an entry removed while its stage trains', () => {
  it('is written and sealed again at the stage end, with a warning', async () => {
    const outputs = mkdtempSync(join(tmpdir(), 'pipe-removed-out-'));
    const store = StageStore.at(outputs, () => {});
    const { result, warnings } = await runFile(file, {
      cwd: tmpdir(),
      outputs,
      events: { epoch: (r) => void (r.epoch === 1 && store.list().forEach((e) => rmSync(store.dir(e.key), { recursive: true, force: true }))) },
    });
    expect(result.rows).toHaveLength(1);
    expect(warnings.some((w) => /^cache entry [0-9a-f]{12} \(removed, stage train\) was removed while its stage trained; writing it again$/.test(w))).toBe(true);
    const [entry] = store.list();
    expect(store.complete(entry.key)?.stage).toBe('train');
    expect(existsSync(join(result.dir, 'train', 'model.json'))).toBe(true);
  });
});
