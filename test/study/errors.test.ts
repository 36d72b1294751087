// Every family of mistake in a study, with its exact message: located in the study file where
// the study caused it, naming the trial, each distinct problem once.
import { describe, expect, it } from 'vitest';
import { problems } from './helpers.js';

const numbers = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(', ')}]`;

describe('errors located in the study file', () => {
  it('a bad path, once at the axis with the closest valid path; a refused value at the value, naming its trials', async () => {
    expect(
      await problems(`name: s
pipeline: base.yaml
grid:
  stages.train.optimiser.lr: [0.1, 0.2]
  stages.train.optimizer.lr: [0.1, -1]
metric: train.val_top1
`),
    ).toEqual([
      "study.yaml:4:3: grid 'stages.train.optimiser.lr': no key 'optimiser' in stages.train; did you mean 'stages.train.optimizer'?",
      "study.yaml:5:36: grid 'stages.train.optimizer.lr', value -1 (trials base[train.optimiser.lr=0.1, train.lr=-1] and base[train.optimiser.lr=0.2, train.lr=-1]): expected a number > 0, found -1",
    ]);
  });

  it('a refused value of a single trial names it', async () => {
    expect(await problems('name: s\npipeline: base.yaml\ngrid:\n  stages.train.epochs: [2, 0]\nmetric: train.val_top1\n')).toEqual([
      "study.yaml:4:28: grid 'stages.train.epochs', value 0 (trial base[train.epochs=0]): expected an integer >= 1, found 0",
    ]);
  });

  it('a graph error a value causes, at the value, with the place in the pipeline', async () => {
    expect(await problems('name: s\npipeline: base.yaml\ngrid:\n  models.net.nodes[0].kernel: [3, 9]\nseeds: 2\nmetric: train.val_top1\n')).toEqual([
      "study.yaml:4:35: grid 'models.net.nodes[0].kernel', value 9 (trials base[models.net.nodes[0].kernel=9, seed=0] and base[models.net.nodes[0].kernel=9, seed=1]): base.yaml:7:9: models.net.nodes[0]: node 'conv_0': conv kernel 9x9 is larger than its input 8x8",
    ]);
  });

  it('a graph error only two values make together names the trial', async () => {
    expect(await problems('name: s\npipeline: base.yaml\ngrid:\n  models.net.input: [[8, 8, 3], [4, 4, 3]]\n  models.net.nodes[0].kernel: [3, 5]\nmetric: train.val_top1\n')).toEqual([
      "study.yaml:4:33: the values of trial base[models.net.input=[4,4,3], models.net.nodes[0].kernel=5] together: base.yaml:7:9: models.net.nodes[0]: node 'conv_0': conv kernel 5x5 is larger than its input 4x4",
    ]);
  });

  it('an error of the pipeline itself, common to every trial, once and where it is', async () => {
    const bad = 'extends: ./base.yaml\nstages: {train: {batch_size: 0}}\n';
    expect(await problems('name: s\npipeline: bad.yaml\ngrid:\n  stages.train.epochs: [1, 2]\nmetric: train.val_top1\n', [], { 'bad.yaml': bad })).toEqual([
      'bad.yaml:2:30: stages.train.batch_size: expected an integer >= 1, found 0',
    ]);
  });

  it('zip lists of unequal lengths, at the shorter, naming both lengths', async () => {
    expect(await problems('name: s\npipeline: base.yaml\nzip:\n  - stages.train.optimizer.lr: [0.1, 0.2, 0.3]\n    stages.train.epochs: [1, 2]\nmetric: train.val_top1\n')).toEqual([
      "study.yaml:5:26: zip[0] 'stages.train.epochs': 2 values, but 'stages.train.optimizer.lr' has 3: the paths of a zip group move together, so their lists have equal lengths",
    ]);
  });

  it('an unknown key in the study, with the closest one', async () => {
    expect(await problems('name: s\npipeline: base.yaml\ngird:\n  seed: [1]\nmetric: train.val_top1\n')).toEqual(["study.yaml:3:1: unknown key 'gird' in the study; did you mean 'grid'?"]);
  });

  it('schema errors of the study, each located', async () => {
    expect(await problems("name: s\npipeline: base.yaml\nseeds: 0\nmetric: {stage: train, name: val_acc}\ngrid:\n  'not a path': [1]\n  stages.train.epochs: [.inf]\n")).toEqual([
      'study.yaml:3:8: seeds: expected an integer in [1, 1000], found 0',
      'study.yaml:4:30: metric.name: expected one of "val_top1", "val_top5", "val_loss", "train_top1", "train_loss", found "val_acc"',
      "study.yaml:6:3: invalid name 'not a path' in grid: expected a path such as stages.finetune.optimizer.lr or models.head.nodes[2].units",
      "study.yaml:7:25: grid.stages.train.epochs[0]: expected a finite number, found .inf (.inf, -.inf and .nan are YAML's infinities and not-a-number: write a finite number)",
    ]);
    expect(await problems('')).toEqual(['study.yaml:1:1: the file is empty: a study is a map with name, pipeline or pipelines, axes (grid, zip, random, seeds) and metric']);
    expect(await problems('name: s\nmetric: train.val_top1\n')).toEqual(['study.yaml:1:1: no pipeline: give `pipeline: FILE` or `pipelines: [FILE, ...]` (relative to the study file)']);
  });

  it('a metric whose stage a pipeline lacks, with the closest stage', async () => {
    expect(await problems('name: s\npipeline: base.yaml\nmetric: trian.val_top1\n')).toEqual(["study.yaml:3:9: metric: no stage 'trian' in base; did you mean 'train'? (its stages: train)"]);
    expect(await problems('name: s\npipeline: base.yaml\nmetric: train.val_acc\n')).toEqual(["study.yaml:3:9: metric: unknown metric 'val_acc' (known: val_top1, val_top5, val_loss, train_top1, train_loss)"]);
    expect(await problems('name: s\npipeline: base.yaml\nmetric: {stage: train, name: val_top1, stages: {bsae: x}}\n')).toEqual([
      "study.yaml:3:9: metric.stages: no pipeline 'bsae' in the study; did you mean 'base'? (its pipelines: base)",
    ]);
    const noVal = 'extends: ./base.yaml\nname: no_val\nstages: {train: {val: null}}\n';
    expect(await problems('name: s\npipeline: no-val.yaml\nmetric: train.val_top1\n', [], { 'no-val.yaml': noVal })).toEqual(["study.yaml:3:9: metric: stage 'train' of no_val has no val data: val_top1 is never measured"]);
  });

  it('prune: min_epochs not below the stage epochs of some trials; a stage the pipeline lacks', async () => {
    expect(await problems('name: s\npipeline: base.yaml\ngrid:\n  stages.train.epochs: [2, 5]\nmetric: train.val_top1\nprune: {type: successive_halving, min_epochs: 3}\n')).toEqual([
      "study.yaml:6:47: prune.min_epochs: 3 is not below the 2 epochs of stage 'train' of base: the first rung must come before the stage ends (trial base[train.epochs=2])",
    ]);
    expect(await problems('name: s\npipeline: base.yaml\nmetric: train.val_top1\nprune: {type: successive_halving, stage: trian, min_epochs: 1}\n')).toEqual([
      "study.yaml:4:42: prune.stage: no stage 'trian' in base; did you mean 'train'? (its stages: train)",
    ]);
  });

  it('too many trials, counted before any is made', async () => {
    expect(await problems(`name: s\npipeline: base.yaml\ngrid:\n  stages.train.epochs: ${numbers(200)}\n  stages.train.batch_size: ${numbers(60)}\nmetric: train.val_top1\n`)).toEqual([
      "study.yaml:4:3: the study makes 12,000 trials (1 pipeline x 200 (grid 'stages.train.epochs') x 60 (grid 'stages.train.batch_size')), over the limit of 10,000: sweep fewer values, or split the study",
    ]);
    expect(await problems(`name: s\npipeline: base.yaml\ngrid:\n  stages.train.epochs: ${numbers(1001)}\nmetric: train.val_top1\n`)).toEqual([
      "study.yaml:4:24: grid 'stages.train.epochs': 1,001 values, over the limit of 1,000 per axis",
    ]);
  });

  it('a value listed twice (names must be unique), and pipelines of one name', async () => {
    expect(await problems('name: s\npipeline: base.yaml\ngrid:\n  stages.train.optimizer.lr: [1e-3, 0.1, 0.001]\nseeds: [1, 1]\nmetric: train.val_top1\n')).toEqual([
      "study.yaml:4:42: grid 'stages.train.optimizer.lr': 0.001 is listed twice (items 0 and 2): trial names must be unique",
      'study.yaml:5:12: seeds: 1 is listed twice (items 0 and 1): trial names must be unique',
    ]);
    expect(await problems('name: s\npipelines: [base.yaml, copy.yaml]\nmetric: train.val_top1\n', [], { 'copy.yaml': 'extends: ./base.yaml\n' })).toEqual([
      "study.yaml:2:24: copy.yaml is named 'base', as base.yaml is: trials are named by their pipeline, so give each its own name",
    ]);
  });

  it('a missing pipeline file, at its entry', async () => {
    expect(await problems('name: s\npipelines: [base.yaml, nope.yaml]\nmetric: train.val_top1\n')).toEqual(['study.yaml:2:24: pipeline file not found: nope.yaml (resolved to nope.yaml)']);
  });

  it('a path swept twice, and a command-line set on a swept path, naming both', async () => {
    expect(await problems('name: s\npipeline: base.yaml\ngrid:\n  stages.train.optimizer: [{type: adam, lr: 0.1}]\nzip:\n  - stages.train.optimizer.lr: [0.1]\nmetric: train.val_top1\n')).toEqual([
      "study.yaml:6:5: zip[0] 'stages.train.optimizer.lr' overlaps grid 'stages.train.optimizer' (study.yaml:4:3): sweep each value in one place",
    ]);
    expect(await problems('name: s\npipeline: base.yaml\ngrid:\n  stages.train.optimizer.lr: [0.1, 0.2]\nmetric: train.val_top1\n', ['stages.train.optimizer.lr=0.5', 'stages.train.epochs=4'])).toEqual([
      "--set stages.train.optimizer.lr=0.5: grid 'stages.train.optimizer.lr' (study.yaml:4:3) sweeps this path: a command-line --set applies to every trial, so it cannot also set a swept one",
    ]);
    // A bad command-line set is every trial's problem: once, as `pipe run` says it.
    expect(await problems('name: s\npipeline: base.yaml\ngrid: {stages.train.epochs: [1, 2]}\nmetric: train.val_top1\n', ['stages.train.epoch=3'])).toEqual([
      "--set stages.train.epoch=3: no key 'epoch' in stages.train; did you mean 'stages.train.epochs'?",
    ]);
  });

  it('random: bounds, one distribution per parameter, too few different samples', async () => {
    expect(await problems('name: s\npipeline: base.yaml\nrandom:\n  samples: 3\n  params:\n    stages.train.optimizer.lr: {uniform: [0.1, 0.01], int: [1, 2]}\nmetric: train.val_top1\n')).toEqual([
      "study.yaml:6:32: random 'stages.train.optimizer.lr': one distribution per parameter, found 2: uniform, int",
      "study.yaml:6:42: random 'stages.train.optimizer.lr': uniform: expected [lo, hi] with lo < hi, found [0.1, 0.01]",
    ]);
    expect(await problems('name: s\npipeline: base.yaml\nrandom:\n  samples: 3\n  params:\n    stages.train.epochs: {log_uniform: [0, 1]}\nmetric: train.val_top1\n')).toEqual([
      'study.yaml:6:41: random.params.stages.train.epochs.log_uniform[0]: expected a number > 0, found 0',
    ]);
    expect(await problems('name: s\npipeline: base.yaml\nrandom:\n  samples: 3\n  params:\n    stages.train.epochs: {choice: [1, 2]}\nmetric: train.val_top1\n')).toEqual([
      'study.yaml:4:12: random.samples: only 2 different samples in 300 draws, fewer than the 3 asked: the choices and int ranges allow fewer',
    ]);
  });
});
