// The two Fashion-MNIST studies as committed (studies/fashion-table1.yaml, studies/fashion-task2-lr.yaml),
// loaded and planned without training: their trial counts, each Table 1 network's metric stage
// and parameters, and task 2's one pretraining shared by every trial (the point of the study:
// `pipe study` trains it once). Planning reads the data set's files, so it needs Debian's
// dataset-fashion-mnist.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StageStore } from '../../src/cache/store.js';
import { loadStudy } from '../../src/study/load.js';
import { planStudy, type StudyPlan } from '../../src/study/plan.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FASHION = '/usr/share/datasets/fashion-mnist';
const present = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].every((f) => existsSync(join(FASHION, f)));
if (!present) console.warn(`skipping the Fashion-MNIST study tests: ${FASHION} is incomplete (apt-get install dataset-fashion-mnist)`);

async function plan(file: string): Promise<{ names: string[]; plan: StudyPlan }> {
  const { study, trials } = await loadStudy(file, { cwd: REPO });
  const store = StageStore.at(mkdtempSync(join(tmpdir(), 'pipe-fashion-studies-')), () => {});
  return { names: study.trials.map((t) => t.name), plan: await planStudy(study, trials, { backend: 'wasm', workers: 1, store }) };
}

describe.skipIf(!present)('the Fashion-MNIST studies', () => {
  it('fashion-table1: four networks, five stages, none shared; DenseNet measured on cycle2', async () => {
    const { names, plan: p } = await plan('studies/fashion-table1.yaml');
    expect(names).toEqual(['fashion_densenet', 'fashion_inception_resnet', 'fashion_alexnet', 'fashion_resnet9']);
    expect(p.trials.map((t) => [t.error, t.metricStage])).toEqual([
      [null, 'cycle2'],
      [null, 'train'],
      [null, 'train'],
      [null, 'train'],
    ]);
    // Densenet's cycle1 and cycle2, then each other network's train; parameters as docs/studies.md states them.
    expect(p.jobs.map((j) => [j.stage, j.trials, j.parameters, j.epochs])).toEqual([
      ['cycle1', [0], 11_632_586, 2],
      ['cycle2', [0], 11_632_586, 1],
      ['train', [1], 6_993_882, 10],
      ['train', [2], 9_354_186, 10],
      ['train', [3], 4_909_898, 10],
    ]);
  });

  it('fashion-task2-lr: twelve trials share one pretraining stage key, each fine-tunes on its own', async () => {
    const { names, plan: p } = await plan('studies/fashion-task2-lr.yaml');
    expect(names).toHaveLength(12);
    const keys = p.trials.map((t) => t.keys!);
    expect(new Set(keys.map((k) => k.pretrain)).size).toBe(1);
    expect(new Set(keys.map((k) => k.finetune)).size).toBe(12);
    const pretrain = p.jobs.filter((j) => j.stage === 'pretrain');
    expect(pretrain).toHaveLength(1);
    expect(pretrain[0].trials).toEqual([...Array(12).keys()]);
    expect(p.jobs).toHaveLength(13);
    // The from-scratch trials (init {}) need no pretraining; the others need the shared one.
    const needs = p.jobs.filter((j) => j.stage === 'finetune').map((j) => j.needs);
    expect(needs).toEqual(names.map((n) => (n.includes('init={}') ? [] : [pretrain[0].key])));
  });
});
