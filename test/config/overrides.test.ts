import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';

const PIPELINE = `name: tiny
dataset: {format: image-folder, root: data}
augment:
  flip:
    - {op: random_horizontal_flip, p: 0.5}
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
    epochs: 3
    optimizer: {type: adam, lr: 0.001}
`;

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-set-'));
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
  return dir;
}

const resolveWith = (sets: string[]) => resolvePipeline('p.yaml', { cwd: file(), sets });

describe('--set overrides', () => {
  it('types values by the schema: a number stays a number, a string stays a string', async () => {
    const { pipeline } = await resolveWith(['stages.train.optimizer.lr=3e-4', 'description=42', 'stages.train.epochs=7']);
    expect(pipeline.stages.train.optimizer?.lr).toBe(3e-4);
    expect(pipeline.stages.train.epochs).toBe(7);
    expect(pipeline.description).toBe('42');
  });

  it('reads lists and maps, indexes list items, and creates missing maps the schema allows', async () => {
    const { pipeline } = await resolveWith([
      'models.net.nodes[0].kernel=[1, 7]',
      'models.net.nodes.2.units=5',
      'stages.train.early_stopping.patience=2',
      'stages.train.early_stopping.monitor=train_loss',
      'stages.train.train.augment=flip',
    ]);
    const nodes = (pipeline.models.net as unknown as { nodes: { kernel?: unknown; units?: unknown }[] }).nodes;
    expect(nodes[0].kernel).toEqual([1, 7]);
    expect(nodes[2].units).toBe(5);
    expect(pipeline.stages.train.early_stopping?.patience).toBe(2);
    expect(pipeline.stages.train.train).toMatchObject({ augment: 'flip' });
  });

  it('names the closest valid path for a bad one', async () => {
    await expect(resolveWith(['stages.train.optimiser.lr=1'])).rejects.toThrow(
      "--set stages.train.optimiser.lr=1: no key 'optimiser' in stages.train; did you mean 'stages.train.optimizer'?",
    );
    await expect(resolveWith(['models.net.nodes[0].filtres=8'])).rejects.toThrow("did you mean 'models.net.nodes[0].filters'?");
    await expect(resolveWith(['stages.train.epochs'])).rejects.toThrow('--set stages.train.epochs: expected PATH=VALUE');
  });

  it('validates the overridden value and says it came from --set', async () => {
    await expect(resolveWith(['stages.train.epochs=zero'])).rejects.toThrow(
      '--set stages.train.epochs=zero: stages.train.epochs: expected an integer >= 1, found "zero"',
    );
  });
});

describe('--set never reaches Object.prototype, and is bounded as files are', () => {
  it.each([
    ['stages.__proto__.epochs=5', "'__proto__' is a reserved name"],
    ['__proto__={stages: {x: {kind: classify}}}', "'__proto__' is a reserved name"],
    ['constructor.prototype.polluted=1', "'constructor' is a reserved name"],
    ['models.toString={input: [8, 8, 3], nodes: [{op: relu}]}', "'toString' is a reserved name"],
    ['models={hasOwnProperty: {input: [8, 8, 3], nodes: [{op: relu}]}}', "hasOwnProperty: 'hasOwnProperty' is a reserved name"],
    ['stages.train.model=valueOf', "'valueOf' is a reserved name"],
    [`models.net.nodes=${'[' + Array.from({ length: 9 }, (_, i) => `&a${i} [${i ? Array(10).fill(`*a${i - 1}`).join(', ') : 'x'}]`).join(', ') + ']'}`, 'its aliases expand to'],
  ])('%s is refused, located at the --set', async (set, message) => {
    const err = (await resolveWith([set]).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`--set ${set}: `);
    expect(err.message).toContain(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('epochs');
  });
});
