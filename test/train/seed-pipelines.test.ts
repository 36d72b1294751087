// Every seed pipeline runs end to end on a small Tiny-ImageNet-layout tree (the real data set
// is not reachable here), with --set cutting epochs and images: what `pipe run` does with the
// full settings on a machine that has the data and the time.
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { REPO } from '../helpers/cli.js';
import { runFile } from '../helpers/run.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  root = (await buildTinyImageNet({ classes: 4, trainPerClass: 4, valPerClass: 2, size: 64 })).root;
}, 120_000);

/** One epoch of a couple of small batches per stage. */
function small(stages: readonly string[], extra: string[] = []): string[] {
  return [
    `dataset.root=${root}`,
    ...stages.flatMap((s) => [`stages.${s}.epochs=1`, `stages.${s}.batch_size=2`, `stages.${s}.train.max_images=2`, `stages.${s}.val.max_images=2`]),
    ...extra,
  ];
}

describe.each([
  ['alexnet', ['train'], []],
  ['resnet9', ['train'], []],
  ['inception-resnet', ['train'], []],
  ['densenet', ['cycle1', 'cycle2'], []],
  // Task 2's pretraining concatenates two sources and has no val; its fine-tuning takes half.
  ['task2-ae', ['finetune'], ['stages.pretrain.epochs=1', 'stages.pretrain.batch_size=2', 'stages.pretrain.train.concat.0.max_images=2', 'stages.pretrain.train.concat.1.max_images=2', 'stages.finetune.train.fraction=0.5']],
] as const)('pipelines/%s.yaml', (file, stages, extra) => {
  it('runs every stage', async () => {
    const before = tf.memory().numTensors;
    const { result, records } = await runFile(`pipelines/${file}.yaml`, { cwd: REPO, outputs: join(root, 'outputs'), sets: small(stages, [...extra]) });
    const { pipeline } = await resolvePipeline(`pipelines/${file}.yaml`, { cwd: REPO, sets: small(stages, [...extra]) });
    expect(result.rows.map((r) => r.stage)).toEqual(Object.keys(pipeline.stages));
    for (const r of records) expect(Number.isFinite(r.train?.loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000); // DenseNet's two cycles took 250-320 s at load 6-9 on 2 cores
});
