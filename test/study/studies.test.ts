// The studies shipped in studies/: they load, and task2-lr's trials share their pretraining.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprints, listUsedSplits, NO_HASH_CACHE } from '../../src/cache/fingerprint.js';
import { stageKeys } from '../../src/cache/key.js';
import { writeTinyImageNetLike } from '../../src/data/tiny-imagenet-like.js';
import { loadStudy, metricStage } from '../../src/study/load.js';
import { REPO } from '../helpers/cli.js';

describe('studies/', () => {
  it('table1.yaml: the four networks of task 1, each compared on its training stage', async () => {
    const { study, trials } = await loadStudy('studies/table1.yaml', { cwd: REPO });
    expect(study.trials.map((t) => t.name)).toEqual(['alexnet', 'resnet9', 'inception_resnet', 'densenet']);
    expect(trials.map((t) => metricStage(study.metric, t.source.pipeline.name))).toEqual(['train', 'train', 'train', 'cycle2']);
    expect(study.metric).toMatchObject({ name: 'val_top1', goal: 'max' });
  });

  it('task2-lr.yaml: six fine-tuning trials over one pretraining stage key', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'pipe-study-tree-')), 'tiny');
    await writeTinyImageNetLike({ root, seed: 0, classes: 3, trainPerClass: 4, valImages: 6, testImages: 2 });
    const { study, trials } = await loadStudy('studies/task2-lr.yaml', { cwd: REPO, sets: [`dataset.root=${root}`] });
    expect(study.trials.map((t) => t.name)).toEqual([
      'task2_ae[models.head.nodes[1].p=0.3, finetune.lr=0.00025]',
      'task2_ae[models.head.nodes[1].p=0.3, finetune.lr=0.0005]',
      'task2_ae[models.head.nodes[1].p=0.3, finetune.lr=0.001]',
      'task2_ae[models.head.nodes[1].p=0.5, finetune.lr=0.00025]',
      'task2_ae[models.head.nodes[1].p=0.5, finetune.lr=0.0005]',
      'task2_ae[models.head.nodes[1].p=0.5, finetune.lr=0.001]',
    ]);
    // As prepareRun: the splits listed and fingerprinted once (every trial reads the same data).
    const first = trials[0].source.pipeline;
    const prints = await fingerprints(first, NO_HASH_CACHE, await listUsedSplits(first));
    const keys = trials.map(({ source, plan }) => stageKeys(source.pipeline, plan, { backend: 'wasm', workers: 1, fingerprint: (s) => prints[s]! }));
    expect(new Set(keys.map((k) => k.pretrain.key)).size).toBe(1);
    expect(new Set(keys.map((k) => k.finetune.key)).size).toBe(6);
    // The lr's schedule moves with it: halved at 12 and 24, as in task2-ae.yaml.
    expect(trials[2].source.pipeline.stages.finetune.schedule).toEqual({ type: 'manual', lr_at: { 12: 5.0e-4, 24: 2.5e-4 } });
  });
});
