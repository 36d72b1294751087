// `pipe schedule` through the real binary, in a temp folder: exact output and messages.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planLr } from '../../src/train/schedules/index.js';
import { runPipe } from '../helpers/cli.js';

let dir: string;

function pipeline(stage: string): string {
  return `name: plan
dataset: {format: image-folder, root: data, image_size: [8, 8]}
models:
  net:
    input: [8, 8, 3]
    nodes:
      - {op: conv, filters: 4, kernel: 3}
      - {op: global_avgpool}
      - {op: dense, units: 2}
stages:
  train:
    kind: classify
    model: net
    train: {split: train}
    val: {split: val}
    batch_size: 4
${stage}
  check:
    kind: evaluate
    needs: [train]
    model: net
    init: {net: train}
    val: {split: val}
`;
}

function write(name: string, stage: string): string {
  writeFileSync(join(dir, name), pipeline(stage));
  return name;
}

const pipe = (...args: string[]) => runPipe(['schedule', ...args], { cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipe-schedule-'));
  // Listing a split never decodes it, so empty files stand for 10 training images: 3 batches of 4.
  for (const [split, n] of [['train', 5], ['val', 1]] as const) {
    for (const cls of ['a', 'b']) {
      mkdirSync(join(dir, 'data', split, cls), { recursive: true });
      for (let i = 0; i < n; i++) writeFileSync(join(dir, 'data', split, cls, `${i}.png`), '');
    }
  }
});

describe('pipe schedule', () => {
  it('prints the lr of each epoch, 0-based, marking changes', () => {
    const file = write('multistep.yaml', '    epochs: 5\n    optimizer: {type: sgd, lr: 0.1, momentum: 0.9}\n    schedule: {type: multistep, milestones: [2, 4], gamma: 0.5}');
    expect(pipe(file, '--stage', 'train')).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'stage train: sgd lr 0.1, schedule multistep, 5 epochs',
        'epoch  lr',
        '    0  0.1',
        '    1  0.1',
        '    2  0.05  *',
        '    3  0.05',
        '    4  0.025  *',
        '* the lr changed at this epoch',
        '',
      ].join('\n'),
    });
  });

  it('prints cyclic per step, with the steps per epoch counted from the train data', () => {
    const file = write('cyclic.yaml', '    epochs: 2\n    optimizer: {type: adam, lr: 0.5}\n    schedule: {type: cyclic, base_lr: 0.01, max_lr: 0.03, step_size_up: 2, mode: triangular2}');
    expect(pipe(file, '--stage', 'train').stdout).toBe(
      [
        'stage train: adam lr 0.5, schedule cyclic, 2 epochs of 3 steps',
        'epoch  step  lr',
        '    0     0  0.01',
        '    0     1  0.02  *',
        '    0     2  0.03  *',
        '    1     3  0.02  *',
        '    1     4  0.01  *',
        '    1     5  0.015  *',
        '* the lr changed at this step',
        '',
      ].join('\n'),
    );
    expect(pipe(file, '--stage', 'train', '--steps-per-epoch', '1').stdout).toContain('2 epochs of 1 steps\nepoch  step  lr\n    0     0  0.01\n    1     1  0.02  *\n');
  });

  it('follows --metrics for reduce_on_plateau, and asks for them when missing', () => {
    const file = write('plateau.yaml', '    epochs: 4\n    optimizer: {type: sgd, lr: 0.1}\n    schedule: {type: reduce_on_plateau, monitor: val_top1, mode: max, patience: 1}');
    expect(pipe(file, '--stage', 'train', '--metrics', '0.5, 0.4,0.45')).toMatchObject({
      code: 0,
      stdout: 'stage train: sgd lr 0.1, schedule reduce_on_plateau on val_top1, 4 epochs\nepoch  lr\n    0  0.1\n    1  0.1\n    2  0.1\n    3  0.01  *\n* the lr changed at this epoch\n',
    });
    expect(pipe(file, '--stage', 'train')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: stages.train.schedule: reduce_on_plateau follows val_top1: give its value after each epoch with --metrics V,V,... (3 values)\n',
    });
    expect(pipe(file, '--stage', 'train', '--metrics', '0.5,x').stderr).toBe("error: --metrics: 'x' is not a number (e.g. --metrics 1.2,0.9,0.85)\n");
    expect(pipe(file, '--stage', 'train', '--metrics', '0.5').stderr).toBe(
      'error: stages.train.schedule: reduce_on_plateau follows val_top1: planning 4 epochs needs its value after each epoch but the last (3), got 1\n',
    );
  });

  it('prints JSON equal to the library\'s plan, per step with --steps', () => {
    const schedule = { type: 'sequential', milestones: [2], schedules: [{ type: 'linear', start_factor: 0.25, total_iters: 2 }, { type: 'cosine', T_max: 3 }] };
    const file = write('warmup.yaml', `    epochs: 6\n    optimizer: {type: adamw, lr: 0.01}\n    schedule: ${JSON.stringify(schedule)}`);
    const r = pipe(file, '--stage', 'train', '--json', '--steps');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const plan = planLr(out.schedule, { baseLr: 0.01, stepsPerEpoch: 3, epochs: 6, perStep: true });
    expect(out).toEqual({
      stage: 'train',
      optimizer: { type: 'adamw', lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, amsgrad: false },
      schedule: { ...schedule, schedules: [{ ...schedule.schedules[0], end_factor: 1 }, { ...schedule.schedules[1], eta_min: 0 }] },
      epochs: 6,
      steps_per_epoch: 3,
      lr_per_epoch: plan.perEpoch,
      lr_per_step: plan.perStep,
    });
    expect(out.lr_per_epoch.slice(0, 3)).toEqual([0.0025, 0.00625, 0.01]);
  });

  it('takes a repeated milestone twice and milestones in any order, as MultiStepLR', () => {
    const file = write('repeated.yaml', '    epochs: 6\n    optimizer: {type: sgd, lr: 0.1}\n    schedule: {type: multistep, milestones: [4, 2, 4], gamma: 0.5}');
    const r = pipe(file, '--stage', 'train');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(['    1  0.1', '    2  0.05  *', '    3  0.05', '    4  0.0125  *', '    5  0.0125'].join('\n'));
  });

  it('names the known stages, refuses a stage that does not train and options that do not apply', () => {
    const file = write('plain.yaml', '    epochs: 2\n    optimizer: {type: sgd, lr: 0.1}');
    expect(pipe(file, '--stage', 'trian')).toEqual({ code: 2, stdout: '', stderr: "error: unknown stage 'trian'; did you mean 'train'? (stages: train, check)\n" });
    expect(pipe(file).stderr).toBe('error: which stage? --stage NAME is needed (stages: train, check)\n');
    expect(pipe(file, '--stage', 'check').stderr).toBe("error: stages.check: stage 'check' does not train (kind evaluate): it has no lr to plan\n");
    expect(pipe(file, '--stage', 'train', '--metrics', '1,2').stderr).toBe('error: stages.train.schedule: --metrics is for reduce_on_plateau schedules; this one is constant\n');
    expect(pipe(file, '--stage', 'train', '--steps', '--steps-per-epoch', '0').stderr).toBe("error: --steps-per-epoch: expected a whole number >= 1, got '0'\n");
  });

  it('says how to plan per step when the train data is not on this machine', () => {
    const file = write('elsewhere.yaml', '    epochs: 2\n    optimizer: {type: sgd, lr: 0.1}');
    const r = runPipe(['schedule', file, '--stage', 'train', '--steps', '--set', 'dataset.root=missing'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*missing.*\nerror: the steps per epoch are counted from the train data: pass --steps-per-epoch N where it is not on this machine\n2 errors\n$/);
  });
});
