// Point 7 of issue 17: a non-finite number (`.inf`, `-.inf`, `.nan`, a literal past a double's
// range) in any numeric field is refused when the pipeline is validated, located at the value.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';
import { InputError, formatDiagnostic } from '../../src/errors.js';

// Each field holds X in turn; every other value is valid.
const pipeline = (field: string, value: string): string => {
  const v = (name: string, dflt: string) => (name === field ? value : dflt);
  return `name: t
seed: 0
dataset: {format: tiny-imagenet, root: data, channels: 3, image_size: [32, 32]}
augment:
  train:
    - {op: random_crop, size: 32, padding: 4}
    - {op: random_horizontal_flip, p: ${v('augment.p', '0.5')}}
models:
  net:
    input: [32, 32, 3]
    nodes:
      - {op: conv, filters: 8, kernel: 3}
      - {op: dropout, p: ${v('dropout.p', '0.5')}}
      - {op: global_avgpool}
      - {op: dense, units: 6}
stages:
  train:
    kind: classify
    model: net
    train: {split: train, augment: train}
    val: {split: val}
    epochs: 2
    batch_size: 8
    optimizer: {type: adam, lr: ${v('lr', '0.001')}, betas: [0.9, ${v('beta2', '0.999')}], eps: ${v('eps', '1.0e-8')}, weight_decay: ${v('weight_decay', '0')}}
    schedule: {type: step, step_size: 1, gamma: ${v('gamma', '0.1')}}
    early_stopping: {monitor: val_top1, mode: max, patience: 2, min_delta: ${v('min_delta', '0')}}
`;
};

async function problems(text: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-finite-'));
  writeFileSync(join(dir, 'p.yaml'), text);
  try {
    await resolvePipeline(join(dir, 'p.yaml'), { cwd: dir });
    return [];
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.diagnostics.map((d) => formatDiagnostic({ ...d, location: d.location && { ...d.location, file: 'p.yaml' } }));
  }
}

const FIELDS: [string, string, number][] = [
  ['augment.p', 'augment.train[1].p', 7],
  ['dropout.p', 'models.net.nodes[1].p', 13],
  ['lr', 'stages.train.optimizer.lr', 24],
  ['beta2', 'stages.train.optimizer.betas[1]', 24],
  ['eps', 'stages.train.optimizer.eps', 24],
  ['weight_decay', 'stages.train.optimizer.weight_decay', 24],
  ['gamma', 'stages.train.schedule.gamma', 25],
  ['min_delta', 'stages.train.early_stopping.min_delta', 26],
];
// js-yaml reads a literal past a double's range as a string: the schema then refuses it where a
// number belongs, naming the literal.
const escape = (s: string) => s.replace(/[.[\]+]/g, '\\$&');
const VALUES: [string, string][] = [
  ['.inf', 'expected a finite number, found \\.inf \\('],
  ['-.inf', 'expected a finite number, found -\\.inf \\('],
  ['.nan', 'expected a finite number, found \\.nan \\('],
  ['.Inf', 'expected a finite number, found \\.inf \\('],
  ['1.0e400', 'expected a number.*, found "1\\.0e400"$'],
  ['-2.5e+999', 'expected a number.*, found "-2\\.5e\\+999"$'],
];
const GRID = FIELDS.flatMap(([field, path, line]) => VALUES.map(([written, shown]) => [field, written, path, line, shown] as const));

describe('non-finite numbers', () => {
  it('the pipeline with finite values is valid (the grid below changes one field each)', async () => {
    expect(await problems(pipeline('', ''))).toEqual([]);
  });

  it.each(GRID)('%s: %s is refused, located at the value', async (field, written, path, line, message) => {
    const found = await problems(pipeline(field, written));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^p\\.yaml:${line}:\\d+: ${escape(path)}: ${message}`));
  });

  it('reports every non-finite field at once', async () => {
    const text = pipeline('lr', '.inf').replace('gamma: 0.1', 'gamma: .nan');
    expect((await problems(text)).map((p) => p.split(': ')[1])).toEqual(['stages.train.optimizer.lr', 'stages.train.schedule.gamma']);
  });
});
