import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeOver } from '../../src/config/extends.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { InputError } from '../../src/errors.js';

describe('mergeOver: maps merge key by key, lists are replaced whole, null deletes', () => {
  it('merges maps recursively', () => {
    expect(mergeOver({ a: { b: 1, c: 2 }, d: 3 }, { a: { c: 20, e: 5 } })).toEqual({ a: { b: 1, c: 20, e: 5 }, d: 3 });
  });
  it('replaces lists whole', () => {
    expect(mergeOver({ xs: [1, 2, 3] }, { xs: [9] })).toEqual({ xs: [9] });
  });
  it('deletes a key set to null, and drops nulls with nothing to delete', () => {
    expect(mergeOver({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { d: null }, e: { f: null, g: 1 } })).toEqual({ b: { c: 2 }, e: { g: 1 } });
  });
  it('lets a scalar replace a map and a map replace a scalar', () => {
    expect(mergeOver({ a: { b: 1 } }, { a: 3 })).toEqual({ a: 3 });
    expect(mergeOver({ a: 3 }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
  });
});

const BASE = `name: base
dataset: {format: image-folder, root: data}
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
    optimizer: {type: sgd, lr: 0.1, momentum: 0.9}
    schedule: {type: step, step_size: 1}
`;

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-extends-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('extends', () => {
  it('builds a variant on a base with the merge rule, relative paths from the file that wrote them', async () => {
    const dir = tree({
      'base.yaml': BASE,
      'variant.yaml': 'extends: ./base.yaml\nname: variant\nstages:\n  train:\n    optimizer: {lr: 0.01}\n    schedule: {type: cosine, T_max: 3, step_size: null}\n',
    });
    const { pipeline } = await resolvePipeline('variant.yaml', { cwd: dir });
    expect(pipeline.name).toBe('variant');
    expect(pipeline.stages.train.optimizer).toMatchObject({ type: 'sgd', lr: 0.01, momentum: 0.9 });
    expect(pipeline.stages.train.schedule).toEqual({ type: 'cosine', T_max: 3, eta_min: 0 });
    expect(pipeline.dataset.root).toBe(join(dir, 'data'));
  });

  it('means the same as the inlined text', async () => {
    const dir = tree({ 'base.yaml': BASE, 'variant.yaml': 'extends: ./base.yaml\n' });
    const a = await resolvePipeline('variant.yaml', { cwd: dir });
    const b = await resolvePipeline('base.yaml', { cwd: dir });
    expect(a.pipeline).toEqual(b.pipeline);
  });

  it('locates an error in the base at the base file', async () => {
    const dir = tree({ 'base.yaml': BASE.replace('epochs: 3', 'epochs: 0'), 'variant.yaml': 'extends: ./base.yaml\nname: variant\n' });
    const err = await resolvePipeline('variant.yaml', { cwd: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('base.yaml:15:13: stages.train.epochs: expected an integer >= 1, found 0');
  });
});
