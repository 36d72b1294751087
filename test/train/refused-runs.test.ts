// A run refused before any stage trains an epoch (its data is bad, another run holds the stage's
// lock) leaves no run folder behind; a folder holding results, or anything pipe did not write,
// stays.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { StageStore } from '../../src/cache/store.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { InputError, JobError } from '../../src/errors.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { prepareRun } from '../../src/train/prepare.js';
import { discardIfEmpty } from '../../src/train/run-dir.js';
import { runResolved } from '../helpers/run.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';

const PIPELINE = (root: string) => `name: refused
dataset: {format: tiny-imagenet, root: ${root}, image_size: [8, 8]}
models:
  net:
    input: [8, 8, 3]
    nodes:
      - {op: global_avgpool}
      - {op: dense, name: out, units: 2}
stages:
  train:
    kind: classify
    model: net
    train: {split: train}
    epochs: 1
    batch_size: 2
    optimizer: {type: sgd, lr: 0.1}
`;

let file: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const tree = await buildTinyImageNet({ classes: 2, trainPerClass: 2, valPerClass: 1, size: 8, truncated: true });
  file = join(mkdtempSync(join(tmpdir(), 'pipe-refused-')), 'p.yaml');
  writeFileSync(file, PIPELINE(tree.root));
}, 60_000);

async function refusedRun(how: 'bad data' | 'lock held'): Promise<{ outputs: string; error: unknown }> {
  const outputs = mkdtempSync(join(tmpdir(), 'pipe-refused-out-'));
  const { pipeline, locate } = await resolvePipeline(file, { cwd: tmpdir(), sets: [] });
  const plan = analyzeGraphs(pipeline, locate);
  if (how === 'lock held') {
    const store = StageStore.at(outputs, () => {});
    const { keys } = await prepareRun(pipeline, plan, { backend: tf.getBackend(), workers: 1, store, stages: [] });
    mkdirSync(store.root, { recursive: true });
    writeFileSync(store.lockPath(keys.train.key), JSON.stringify({ pid: process.pid, host: hostname(), started: 'now', what: 'another run' }));
  }
  const error = await runResolved(pipeline, plan, { outputs }).then(() => null, (e: unknown) => e);
  return { outputs, error };
}

describe('refused runs', () => {
  it.each([
    ['bad data', InputError],
    ['lock held', JobError],
  ] as const)('%s: the run is refused and leaves no run folder', async (how, type) => {
    const { outputs, error } = await refusedRun(how);
    expect(error).toBeInstanceOf(type);
    expect(readdirSync(join(outputs, 'runs'))).toEqual([]);
  });

  it('a run folder with epochs, a stage folder or a file of the user stays', () => {
    const cases: Record<string, string> = { 'metrics.jsonl': '{"epoch": 1}\n', 'train/result.json': '{}', 'notes.txt': 'mine' };
    for (const [rel, text] of Object.entries(cases)) {
      const dir = mkdtempSync(join(tmpdir(), 'pipe-run-'));
      for (const f of ['pipeline.yaml', 'run.json', 'stages.json']) writeFileSync(join(dir, f), '');
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
      expect(discardIfEmpty(dir)).toBe(false);
      expect(existsSync(join(dir, rel))).toBe(true);
    }
    const empty = mkdtempSync(join(tmpdir(), 'pipe-run-'));
    for (const f of ['pipeline.yaml', 'run.json', 'stages.json', 'metrics.jsonl']) writeFileSync(join(empty, f), '');
    expect(discardIfEmpty(empty)).toBe(true);
    expect(existsSync(empty)).toBe(false);
  });
});
