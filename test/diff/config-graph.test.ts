// Parts (a) and (b) of pipe diff on the seed pipeline and its variant, and on small inline
// pipelines where the pairing of graph nodes is what is being tested.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';
import { configChanges, flow } from '../../src/diff/config.js';
import { graphChanges, modelChanged } from '../../src/diff/graph.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { REPO } from '../helpers/cli.js';

async function load(file: string, cwd = REPO) {
  const { pipeline, locate } = await resolvePipeline(file, { cwd });
  return { pipeline, plan: analyzeGraphs(pipeline, locate) };
}

const dir = mkdtempSync(join(tmpdir(), 'pipe-diff-'));
let files = 0;

/** A pipeline with the given nodes before its head, as a file (all in one folder: one data root). */
function pipelineWith(nodes: string, lr = 0.1): string {
  const file = join(dir, `p${++files}.yaml`);
  writeFileSync(file, `name: p
dataset: {format: image-folder, root: data}
models:
  net:
    input: [16, 16, 3]
    nodes:
${nodes}
      - {op: global_avgpool}
      - {op: dense, name: logits, units: 4}
stages:
  s: {kind: classify, model: net, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: ${lr}}}
`);
  return file;
}

describe('pipe diff (a): configuration', () => {
  it('task2-ae -> its variant: the changed rows only, the added head nodes by name', async () => {
    const [a, b] = [await load('pipelines/task2-ae.yaml'), await load('pipelines/task2-ae-variant.yaml')];
    const rows = configChanges(a.pipeline, b.pipeline).map((c) => [c.path, flow(c.a), flow(c.b)]);
    expect(rows.map((r) => r[0])).toEqual([
      'name',
      'description',
      'models.head.nodes[hidden]',
      'models.head.nodes[3]',
      'stages.finetune.optimizer.lr',
      'stages.finetune.schedule.lr_at.12',
      'stages.finetune.schedule.lr_at.24',
      'report.title',
    ]);
    expect(rows[2]).toEqual(['models.head.nodes[hidden]', '-', '{op: dense, name: hidden, units: 256, bias: true, activation: none}']);
    expect(rows[4]).toEqual(['stages.finetune.optimizer.lr', '0.0005', '0.001']);
  });

  it('a pipeline against itself has no rows', async () => {
    const a = await load('pipelines/task2-ae.yaml');
    expect(configChanges(a.pipeline, structuredClone(a.pipeline))).toEqual([]);
  });

  it('an unnamed node inserted at the top is one added row, not a change of every later node', async () => {
    const a = await load(pipelineWith('      - {op: conv, filters: 8, kernel: 3}\n      - {op: relu}\n      - {op: conv, filters: 8, kernel: 3}'));
    const b = await load(pipelineWith('      - {op: conv, filters: 8, kernel: 3}\n      - {op: batchnorm}\n      - {op: relu}\n      - {op: conv, filters: 16, kernel: 3}'));
    expect(configChanges(a.pipeline, b.pipeline).map((c) => [c.path, flow(c.a), flow(c.b)])).toEqual([
      ['models.net.nodes[1]', '-', '{op: batchnorm, momentum: 0.1, eps: 0.00001}'],
      ['models.net.nodes[3].filters', '8', '16'],
    ]);
  });
});

describe('pipe diff (b): graphs', () => {
  it('task2-ae -> its variant: the head gains two nodes, logits reads relu_3 and has fewer weights', async () => {
    const [a, b] = [await load('pipelines/task2-ae.yaml'), await load('pipelines/task2-ae-variant.yaml')];
    const models = graphChanges(a.plan, b.plan);
    expect(models.filter(modelChanged).map((m) => m.model)).toEqual(['head', 'classifier']);
    const head = models.find((m) => m.model === 'head')!;
    // dense 4096 -> 256: 4096 * 256 + 256 = 1,048,832; logits 256 -> 200: 256 * 200 + 200 = 51,400.
    expect(head.added).toEqual([{ name: 'hidden', op: 'dense', shape: [256], trainable: 1_048_832 }, { name: 'relu_3', op: 'relu', shape: [256], trainable: 0 }]);
    expect(head.changed).toEqual([{ name: 'logits', definition: ['from: [dropout_1] -> [relu_3]'], trainable: { a: 819_400, b: 51_400 } }]);
    expect(head.b!.trainable - head.a!.trainable).toBe(1_048_832 + 51_400 - 819_400);
    const classifier = models.find((m) => m.model === 'classifier')!;
    expect(classifier.parts).toEqual(['encoder', 'head']);
    expect(classifier.b!.trainable - classifier.a!.trainable).toBe(280_832);
  });

  it('a wider conv changes its shape and the next conv\'s count; an inserted batchnorm renumbers nothing', async () => {
    const a = await load(pipelineWith('      - {op: conv, filters: 8, kernel: 3}\n      - {op: relu}\n      - {op: conv, filters: 8, kernel: 3}'));
    const b = await load(pipelineWith('      - {op: conv, filters: 16, kernel: 3}\n      - {op: batchnorm}\n      - {op: relu}\n      - {op: conv, filters: 8, kernel: 3}'));
    const net = graphChanges(a.plan, b.plan).find((m) => m.model === 'net')!;
    expect(net.added.map((n) => n.name)).toEqual(['batchnorm_1']);
    expect(net.removed).toEqual([]);
    expect(net.changed).toEqual([
      // conv 3 -> 16, 3x3 with bias: 3*3*3*16 + 16 = 448 (was 3*3*3*8 + 8 = 224).
      { name: 'conv_0', definition: ['filters: 8 -> 16'], shape: { a: [14, 14, 8], b: [14, 14, 16] }, trainable: { a: 224, b: 448 } },
      { name: 'relu_2', nameInA: 'relu_1', definition: ['from: [conv_0] -> [batchnorm_1]'], shape: { a: [14, 14, 8], b: [14, 14, 16] } },
      // 16 -> 8 channels: 3*3*16*8 + 8 = 1,160 (was 3*3*8*8 + 8 = 584).
      { name: 'conv_3', nameInA: 'conv_2', definition: [], trainable: { a: 584, b: 1160 } },
    ]);
  });
});
