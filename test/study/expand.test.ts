// A study's trials: which, in what order, named how, made by which --set overrides.
import { describe, expect, it } from 'vitest';
import { CORE_SCHEMA, load as parseYaml } from 'js-yaml';
import { applyOverrides } from '../../src/config/overrides.js';
import { getAt, parsePath } from '../../src/config/paths.js';
import { pipelineJsonSchema, resolveSchemaRef } from '../../src/config/validate.js';
import { axisLabels, setValueText } from '../../src/study/names.js';
import { load } from './helpers.js';

const names = async (study: string, sets: readonly string[] = [], files: Record<string, string> = {}) => (await load(study, sets, files)).study.trials.map((t) => t.name);

describe('expansion', () => {
  it('crosses grid paths, the first varying slowest, seeds fastest', async () => {
    const { study, trials } = await load(`name: s
pipeline: base.yaml
grid:
  stages.train.optimizer.lr: [1e-3, 0.01]
  stages.train.epochs: [2, 4]
seeds: 2
metric: train.val_top1
`);
    expect(study.trials.map((t) => t.name)).toEqual([
      'base[train.lr=0.001, train.epochs=2, seed=0]',
      'base[train.lr=0.001, train.epochs=2, seed=1]',
      'base[train.lr=0.001, train.epochs=4, seed=0]',
      'base[train.lr=0.001, train.epochs=4, seed=1]',
      'base[train.lr=0.01, train.epochs=2, seed=0]',
      'base[train.lr=0.01, train.epochs=2, seed=1]',
      'base[train.lr=0.01, train.epochs=4, seed=0]',
      'base[train.lr=0.01, train.epochs=4, seed=1]',
    ]);
    expect(study.axes).toEqual(['stages.train.optimizer.lr', 'stages.train.epochs', 'seed']);
    expect(study.trials[3].sets).toEqual(['stages.train.optimizer.lr=0.001', 'stages.train.epochs=4', 'seed=1']);
    expect(study.trials[3].values).toEqual({ 'stages.train.optimizer.lr': 0.001, 'stages.train.epochs': 4, seed: 1 });
    // Each trial is its pipeline with those values, resolved and checked.
    const p = trials[3].source.pipeline;
    expect([p.stages.train.optimizer!.lr, p.stages.train.epochs, p.seed]).toEqual([0.001, 4, 1]);
    expect(trials[3].plan.models.net.output).toEqual([2]);
    expect(study.metric).toEqual({ stage: 'train', name: 'val_top1', goal: 'max' });
    expect(study.prune).toBeNull();
  });

  it('moves the paths of a zip group together, naming the group by its first path', async () => {
    const { study } = await load(`name: s
pipeline: base.yaml
zip:
  - stages.train.optimizer.lr: [0.1, 0.2]
    stages.train.optimizer.momentum: [0.9, 0.5]
grid:
  stages.train.epochs: [1, 2]
metric: train.val_loss
`);
    expect(study.trials.map((t) => t.name)).toEqual(['base[train.epochs=1, train.lr=0.1]', 'base[train.epochs=1, train.lr=0.2]', 'base[train.epochs=2, train.lr=0.1]', 'base[train.epochs=2, train.lr=0.2]']);
    expect(study.trials[1].sets).toEqual(['stages.train.epochs=1', 'stages.train.optimizer.lr=0.2', 'stages.train.optimizer.momentum=0.5']);
    expect(study.metric).toEqual({ stage: 'train', name: 'val_loss', goal: 'min' });
  });

  it('draws random samples from the study seed: the same file, the same trials, each in range', async () => {
    const study = `name: s
seed: 7
pipeline: base.yaml
random:
  samples: 20
  params:
    stages.train.optimizer.lr: {log_uniform: [1.0e-4, 0.1]}
    stages.train.optimizer.momentum: {uniform: [0.5, 0.99]}
    stages.train.batch_size: {int: [8, 12]}
    stages.train.optimizer.nesterov: {choice: [true, false]}
metric: train.val_top1
`;
    const a = (await load(study)).study.trials;
    const b = (await load(study)).study.trials;
    expect(a.map((t) => t.name)).toEqual(b.map((t) => t.name));
    expect(new Set(a.map((t) => t.name)).size).toBe(20);
    for (const { values: v } of a) {
      expect(v['stages.train.optimizer.lr']).toBeGreaterThanOrEqual(1e-4);
      expect(v['stages.train.optimizer.lr']).toBeLessThanOrEqual(0.1);
      expect(v['stages.train.optimizer.momentum']).toBeGreaterThanOrEqual(0.5);
      expect(v['stages.train.optimizer.momentum']).toBeLessThanOrEqual(0.99);
      expect([8, 9, 10, 11, 12]).toContain(v['stages.train.batch_size']);
      expect([true, false]).toContain(v['stages.train.optimizer.nesterov']);
      // Four significant digits: what the name shows is what the trial runs.
      expect(String(v['stages.train.optimizer.lr']).replace(/^0\.0*|e.*$|\./g, '').length).toBeLessThanOrEqual(4);
    }
    // Another seed, other draws.
    const c = (await load(study.replace('seed: 7', 'seed: 8'))).study.trials;
    expect(c.map((t) => t.name)).not.toEqual(a.map((t) => t.name));
    // Every int of the range is drawn over enough samples, both ends included.
    expect(new Set(a.map((t) => t.values['stages.train.batch_size']))).toEqual(new Set([8, 9, 10, 11, 12]));
  });

  it('takes a list of seeds as the seeds themselves', async () => {
    expect(await names('name: s\npipeline: base.yaml\nseeds: [3, 11]\nmetric: train.val_top1\n')).toEqual(['base[seed=3]', 'base[seed=11]']);
  });

  it('crosses several pipelines with the axes, outermost, and names a trial with no axes by its pipeline', async () => {
    const other = 'extends: ./base.yaml\nname: other\n';
    expect(await names('name: s\npipelines: [base.yaml, other.yaml]\nmetric: train.val_top1\n', [], { 'other.yaml': other })).toEqual(['base', 'other']);
    const { study } = await load('name: s\npipeline: base.yaml\npipelines: [other.yaml]\ngrid: {stages.train.epochs: [1, 2]}\nmetric: train.val_top1\n', [], { 'other.yaml': other });
    expect(study.trials.map((t) => t.name)).toEqual(['base[train.epochs=1]', 'base[train.epochs=2]', 'other[train.epochs=1]', 'other[train.epochs=2]']);
    expect(study.trials[2].values).toEqual({ pipeline: 'other.yaml', 'stages.train.epochs': 1 });
  });

  it('reads extends: maps merge, lists are replaced, null deletes', async () => {
    const base = 'name: base_study\npipeline: base.yaml\ngrid:\n  stages.train.epochs: [1, 2]\n  stages.train.batch_size: [4, 8]\nseeds: 2\nmetric: train.val_top1\n';
    const { study } = await load('extends: ./parent.yaml\nname: child\ngrid:\n  stages.train.epochs: [5]\n  stages.train.batch_size: null\nseeds: null\n', [], { 'parent.yaml': base });
    expect(study.name).toBe('child');
    expect(study.trials.map((t) => t.name)).toEqual(['base[train.epochs=5]']);
  });

  it('accepts a value refused alone but valid with the other axes (three classes, three scores)', async () => {
    const { trials } = await load('name: s\npipeline: base.yaml\ngrid:\n  dataset.class_names: [[a, b, c]]\n  models.net.nodes[2].units: [3, 4]\nmetric: train.val_top1\n');
    expect(trials.map((t) => t.plan.models.net.output)).toEqual([[3], [4]]);
  });

  it('applies the command line sets to every trial, after its own', async () => {
    const { study, trials } = await load('name: s\npipeline: base.yaml\ngrid: {stages.train.epochs: [1, 2]}\nmetric: train.val_top1\n', ['stages.train.batch_size=7']);
    expect(study.trials.map((t) => t.sets)).toEqual([
      ['stages.train.epochs=1', 'stages.train.batch_size=7'],
      ['stages.train.epochs=2', 'stages.train.batch_size=7'],
    ]);
    expect(trials.map((t) => t.source.pipeline.stages.train.batch_size)).toEqual([7, 7]);
  });
});

describe('names', () => {
  it('shortens a path by its stages. and optimizer. segments while that stays unique', () => {
    expect([...axisLabels(['stages.finetune.optimizer.lr', 'models.head.nodes[1].p', 'seed']).values()]).toEqual(['finetune.lr', 'models.head.nodes[1].p', 'seed']);
    // Two paths that would shorten alike keep their full paths.
    expect([...axisLabels(['stages.a.optimizer.lr', 'stages.a.lr']).values()]).toEqual(['stages.a.optimizer.lr', 'stages.a.lr']);
    expect([...axisLabels(['stages.seed', 'seed']).values()]).toEqual(['stages.seed', 'seed']);
  });

  it('prints numbers as JSON, strings bare unless they hold , ] or =, lists compact', async () => {
    const { study } = await load(`name: s
pipeline: base.yaml
grid:
  stages.train.optimizer.lr: [1e-3, 2.5e-7]
  stages.train.description: [plain, 'a,b', 'x=1']
  models.net.nodes[0].kernel: [[1, 3]]
metric: train.val_top1
`);
    expect(study.trials.map((t) => t.name)).toEqual([
      'base[train.lr=0.001, train.description=plain, models.net.nodes[0].kernel=[1,3]]',
      'base[train.lr=0.001, train.description="a,b", models.net.nodes[0].kernel=[1,3]]',
      'base[train.lr=0.001, train.description="x=1", models.net.nodes[0].kernel=[1,3]]',
      'base[train.lr=2.5e-7, train.description=plain, models.net.nodes[0].kernel=[1,3]]',
      'base[train.lr=2.5e-7, train.description="a,b", models.net.nodes[0].kernel=[1,3]]',
      'base[train.lr=2.5e-7, train.description="x=1", models.net.nodes[0].kernel=[1,3]]',
    ]);
    expect(study.trials[0].values['models.net.nodes[0].kernel']).toBe('[1,3]');
  });

  it.each([
    ['stages.train.optimizer.lr', 0.001],
    ['stages.train.optimizer.lr', 1e-21],
    ['stages.train.optimizer.nesterov', true],
    ['stages.train.description', 'true'],
    ['stages.train.description', '1e-3'],
    ['stages.train.description', 'plain words'],
    ['stages.train.description', ' padded'],
    ['stages.train.description', 'a: b'],
    ['stages.train.description', '[not a list]'],
    ['models.net.nodes[0].kernel', [1, 3]],
    ['stages.train.optimizer', { type: 'adam', lr: 0.01 }],
    ['stages.train.schedule', null],
  ])('writes %s = %j so that the override reader reads it back', (path, value) => {
    const data = structuredClone(parseYaml(BASE_FOR_OVERRIDES, { schema: CORE_SCHEMA })) as Record<string, unknown>;
    applyOverrides(data, [`${path}=${setValueText(value)}`], pipelineJsonSchema(), resolveSchemaRef);
    expect(getAt(data, parsePath(path))).toEqual(value);
  });
});

const BASE_FOR_OVERRIDES = 'name: b\nmodels: {net: {input: [8, 8, 3], nodes: [{op: conv, filters: 4, kernel: 3}]}}\nstages: {train: {kind: classify, model: net, optimizer: {type: sgd, lr: 0.1}}}\n';
