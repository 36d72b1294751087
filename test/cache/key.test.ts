// Stage keys: equal meaning gives equal keys (formatting, comments, key order, a renamed block,
// extends vs. inlined, names and descriptions), any change of meaning gives another key, and
// the keys of the seed pipelines are pinned so that a change to the key is deliberate.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changedKeyFields, stageKeys, type StageKey } from '../../src/cache/key.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { REPO } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'pipe-keys-'));

async function keysOf(file: string, o: { sets?: string[]; cwd?: string; backend?: string; workers?: number; print?: (split: string) => string } = {}): Promise<Record<string, StageKey>> {
  const { pipeline, locate } = await resolvePipeline(file, { cwd: o.cwd ?? REPO, sets: o.sets ?? [] });
  return stageKeys(pipeline, analyzeGraphs(pipeline, locate), { backend: o.backend ?? 'wasm', workers: o.workers ?? 1, fingerprint: o.print ?? ((s) => `fingerprint-of-${s}`) });
}

const keyList = (k: Record<string, StageKey>) => Object.fromEntries(Object.entries(k).map(([s, v]) => [s, v.key]));

const siblings: string[] = [];
afterAll(() => siblings.forEach((f) => rmSync(f, { force: true })));

/** Writes `text` beside the seed pipelines, so its relative paths resolve as theirs do. */
function sibling(name: string, text: string): string {
  const file = join(REPO, 'pipelines', `.${name}-${process.pid}.yaml`);
  writeFileSync(file, text);
  siblings.push(file);
  return file;
}

describe('stage keys', () => {
  it('are pinned for the seed pipelines (a change here must be deliberate: bump CACHE_FORMAT)', async () => {
    const got: Record<string, Record<string, string>> = {};
    for (const p of ['alexnet', 'resnet9', 'inception-resnet', 'densenet', 'task2-ae', 'fashion-resnet']) got[p] = keyList(await keysOf(`pipelines/${p}.yaml`));
    expect(got).toMatchSnapshot();
  });

  it('ignore formatting, comments, key order, names and descriptions', async () => {
    const text = readFileSync(join(REPO, 'pipelines/task2-ae.yaml'), 'utf8');
    const { parse, stringify } = await import('yaml');
    const doc = parse(text) as Record<string, unknown>;
    // Keys in reverse order at the top, flow style, no comments; another pipeline name and description.
    const reordered = Object.fromEntries(Object.entries({ ...doc, name: 'renamed', description: 'another text' }).reverse());
    const file = sibling('reformatted', '# a comment\n' + stringify(reordered, { collectionStyle: 'flow' }));
    const base = keyList(await keysOf('pipelines/task2-ae.yaml'));
    expect(keyList(await keysOf(file))).toEqual(base);
    // checkpoint_every decides when checkpoints are written, not what is computed.
    expect(keyList(await keysOf('pipelines/task2-ae.yaml', { sets: ['stages.finetune.checkpoint_every=1'] }))).toEqual(base);
  });

  it('ignore the name of a block whose expansion is the same', async () => {
    const text = readFileSync(join(REPO, 'pipelines/task2-ae.yaml'), 'utf8');
    expect(text).toMatch(/residual1/);
    const file = sibling('renamed-block', text.replaceAll('residual1', 'res_unit'));
    expect(keyList(await keysOf(file))).toEqual(keyList(await keysOf('pipelines/task2-ae.yaml')));
  });

  it('are the same for a pipeline written with extends and the same pipeline inlined', async () => {
    const { pipeline } = await resolvePipeline('pipelines/fashion-task2-supervised.yaml', { cwd: REPO });
    const { stringify } = await import('yaml');
    const inlined = join(tmp, 'inlined.yaml');
    writeFileSync(inlined, stringify(pipeline));
    expect(keyList(await keysOf(inlined, { cwd: tmp }))).toEqual(keyList(await keysOf('pipelines/fashion-task2-supervised.yaml')));
  });

  it('change with any change of meaning, and name the fields that changed', async () => {
    const base = await keysOf('pipelines/task2-ae.yaml');
    const cases: [string[], Record<string, string[]>][] = [
      // Only the fine-tuning lr: the pretraining key stays.
      [['stages.finetune.optimizer.lr=0.001'], { finetune: ['optimizer'] }],
      // The pretraining changes: so does the fine-tuning that starts from it.
      [['stages.pretrain.epochs=3'], { pretrain: ['epochs'], finetune: ['init', 'needs'] }],
      // The seed is also every data source's seed (selection, order, augmentation).
      [['seed=7'], { pretrain: ['seed', 'train'], finetune: ['init', 'needs', 'seed', 'train', 'val'] }],
      [['stages.finetune.train.fraction=0.2'], { finetune: ['train'] }],
      [['stages.finetune.batch_size=32'], { finetune: ['batch_size'] }],
      [['augment.densenet.0.p=0.4'], { pretrain: ['train'], finetune: ['init', 'needs', 'train'] }],
      [['models.head.nodes.1.p=0.3'], { finetune: ['graphs.head.nodes.dropout_1'] }],
    ];
    for (const [sets, expected] of cases) {
      const k = await keysOf('pipelines/task2-ae.yaml', { sets });
      const changed = Object.fromEntries(Object.keys(k).filter((s) => k[s].key !== base[s].key).map((s) => [s, changedKeyFields(base[s].input, k[s].input).sort()]));
      expect(changed, sets.join(' ')).toEqual(expected);
    }
    // Two workers share BatchNorm's statistics: one worker's result up to rounding, the same key.
    const two = await keysOf('pipelines/task2-ae.yaml', { workers: 2 });
    expect(two.pretrain.key).toBe(base.pretrain.key);
    // In micro_batch pieces BatchNorm normalises each piece, cut from each worker's part: the
    // worker count and micro_batch are in the key.
    const pieces = await keysOf('pipelines/task2-ae.yaml', { workers: 2, sets: ['stages.pretrain.micro_batch=8'] });
    expect(changedKeyFields(base.pretrain.input, pieces.pretrain.input)).toEqual(['workers', 'micro_batch']);
    const other = await keysOf('pipelines/task2-ae.yaml', { backend: 'tensorflow' });
    expect(changedKeyFields(base.pretrain.input, other.pretrain.input)).toEqual(['backend']);
    const edited = await keysOf('pipelines/task2-ae.yaml', { print: (s) => (s === 'val' ? 'another-val' : `fingerprint-of-${s}`) });
    expect(changedKeyFields(base.finetune.input, edited.finetune.input)).toEqual(['data']);
    expect(edited.pretrain.key).toBe(base.pretrain.key); // the pretraining reads no val data
  });
});
