// The store uses an entry only whole: every altered or truncated file is detected, reported,
// and the entry removed (so the stage is computed again). Checkpoints check themselves the same
// way, and a failed write leaves the previous checkpoint intact.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CACHE_FORMAT, type StageKeyInput } from '../../src/cache/key.js';
import { ENTRY_FILES, StageStore } from '../../src/cache/store.js';
import { CorruptCheckpoint, readCheckpoint, writeCheckpoint, type LoopState } from '../../src/train/checkpoint.js';
import { createOptimizer } from '../../src/train/optimizers/index.js';
import { createSchedule } from '../../src/train/schedules/index.js';

const KEY = 'a'.repeat(64);
const input = { format: CACHE_FORMAT } as unknown as StageKeyInput;

function filledStore(): { store: StageStore; warnings: string[] } {
  const warnings: string[] = [];
  const store = new StageStore(mkdtempSync(join(tmpdir(), 'pipe-store-')), (m) => void warnings.push(m));
  const dir = store.begin(KEY, { pipeline: 'p', stage: 's', input });
  for (const f of ENTRY_FILES) writeFileSync(join(dir, f), `${f} `.repeat(50));
  store.seal(KEY, { pipeline: 'p', stage: 's', input });
  return { store, warnings };
}

/** Ways to damage a file: cut it short, flip a byte in place (same size), delete it. */
const damages: [string, (path: string) => void][] = [
  ['truncated', (p) => truncateSync(p, 10)],
  ['altered', (p) => {
    const b = readFileSync(p);
    b[5] ^= 1;
    writeFileSync(p, b);
  }],
  ['emptied', (p) => writeFileSync(p, '')],
  ['deleted', (p) => rmSync(p)],
];

describe('the stage store', () => {
  it('returns a sealed entry, and lists it as complete', () => {
    const { store, warnings } = filledStore();
    expect(store.complete(KEY)?.files['weights.bin'].size).toBe(600);
    expect(store.list()).toMatchObject([{ key: KEY, pipeline: 'p', stage: 's', complete: true }]);
    expect(warnings).toEqual([]);
  });

  it('lists an entry that was started but not sealed as partial, and does not use it', () => {
    const store = new StageStore(mkdtempSync(join(tmpdir(), 'pipe-store-')), () => {});
    store.begin(KEY, { pipeline: 'p', stage: 's', input });
    expect(store.complete(KEY)).toBeNull();
    expect(store.list()).toMatchObject([{ key: KEY, complete: false }]);
  });

  for (const file of ENTRY_FILES) {
    for (const [how, damage] of damages) {
      it(`detects ${file} ${how}, reports it and removes the entry`, () => {
        const { store, warnings } = filledStore();
        damage(join(store.dir(KEY), file));
        expect(store.complete(KEY)).toBeNull();
        const why = { truncated: 'has 10 bytes, \\d+ were written \\(truncated or altered\\)', altered: 'does not match its checksum \\(altered\\)', emptied: 'has 0 bytes, \\d+ were written \\(truncated or altered\\)', deleted: 'is missing' }[how];
        expect(warnings.join('\n')).toMatch(new RegExp(`^cache entry aaaaaaaaaaaa \\(p, stage s\\): ${file.replace('.', '\\.')} ${why}; removing the entry and computing the stage again$`));
        expect(existsSync(store.dir(KEY))).toBe(false);
      });
    }
  }

  it('removes an entry whose manifest is garbage', () => {
    const { store, warnings } = filledStore();
    writeFileSync(join(store.dir(KEY), 'manifest.json'), '{"format": 1, "key": "x"');
    expect(store.complete(KEY)).toBeNull();
    expect(warnings[0]).toMatch(/manifest\.json is unreadable or of another format/);
  });
});

/** JSON files of an entry damaged in every way a reader must survive. */
const garbled: [string, string][] = [
  ['truncated', '{"format": 1, "key": "'],
  ['empty', ''],
  ['not an object (array)', '[]'],
  ['not an object (string)', '"started"'],
  ['null', 'null'],
  ['of another key', JSON.stringify({ format: CACHE_FORMAT, key: 'b'.repeat(64), pipeline: 'p', stage: 's', input, started: 'x' })],
  ['with a field of the wrong type', JSON.stringify({ format: CACHE_FORMAT, key: KEY, pipeline: 5, stage: 's', input, started: 'x' })],
  ['without its input', JSON.stringify({ format: CACHE_FORMAT, key: KEY, pipeline: 'p', stage: 's', started: 'x' })],
];

describe('damaged JSON files of an entry: warn, recover, go on', () => {
  it.each(garbled)('started.json %s: the next run of the stage rewrites it, and the entry seals', (_how, text) => {
    const warnings: string[] = [];
    const store = new StageStore(mkdtempSync(join(tmpdir(), 'pipe-store-')), (m) => void warnings.push(m));
    mkdirSync(store.dir(KEY), { recursive: true });
    writeFileSync(join(store.dir(KEY), 'started.json'), text);
    expect(store.info(KEY)).toBeNull();
    expect(store.list()).toMatchObject([{ key: KEY, pipeline: '?', complete: false }]);
    store.begin(KEY, { pipeline: 'p', stage: 's', input });
    expect(warnings).toEqual(['cache entry aaaaaaaaaaaa (p, stage s): started.json is damaged (unreadable, or fields missing or of the wrong type); writing it again']);
    expect(store.info(KEY)).toMatchObject({ key: KEY, pipeline: 'p', stage: 's' });
    for (const f of ENTRY_FILES) writeFileSync(join(store.dir(KEY), f), f);
    expect(store.seal(KEY, { pipeline: 'p', stage: 's', input }).stage).toBe('s');
    expect(store.complete(KEY)).not.toBeNull();
  });

  it.each([
    ...garbled,
    ['with a file sum of the wrong type', JSON.stringify({ format: CACHE_FORMAT, key: KEY, pipeline: 'p', stage: 's', input, started: 'x', completed: 'y', files: { 'model.json': { size: '3' } } })],
  ])('manifest.json %s: the entry is reported and removed, never used', (_how, text) => {
    const { store, warnings } = filledStore();
    writeFileSync(join(store.dir(KEY), 'manifest.json'), text);
    expect(store.complete(KEY)).toBeNull();
    expect(warnings).toEqual(['cache entry aaaaaaaaaaaa: manifest.json is unreadable or of another format; removing the entry']);
    expect(existsSync(store.dir(KEY))).toBe(false);
  });

  it('an entry removed while its stage trains is opened again when the stage seals it', () => {
    const warnings: string[] = [];
    const store = new StageStore(mkdtempSync(join(tmpdir(), 'pipe-store-')), (m) => void warnings.push(m));
    store.begin(KEY, { pipeline: 'p', stage: 's', input });
    store.remove(KEY);
    // The stage's end writes its model and results (saveModel makes the folder again).
    mkdirSync(store.dir(KEY));
    for (const f of ENTRY_FILES) writeFileSync(join(store.dir(KEY), f), f);
    store.seal(KEY, { pipeline: 'p', stage: 's', input });
    expect(warnings).toEqual(['cache entry aaaaaaaaaaaa (p, stage s) was removed while its stage trained; writing it again']);
    expect(store.complete(KEY)?.stage).toBe('s');
  });

  it('ls survives a dangling link in an entry and one in place of an entry', () => {
    const { store } = filledStore();
    symlinkSync(join(store.root, 'gone'), join(store.dir(KEY), 'stray'));
    symlinkSync(join(store.root, 'gone'), join(store.root, 'b'.repeat(64)));
    expect(store.list().map((e) => e.key)).toEqual([KEY]);
  });

  it("temporaries of a writer that died are removed when the entry is opened again; a live writer's stay", () => {
    const store = new StageStore(mkdtempSync(join(tmpdir(), 'pipe-store-')), () => {});
    const dead = spawnSync('true').pid;
    const dir = store.dir(KEY);
    for (const d of [`best.tmp-${dead}`, `checkpoint.tmp-${process.pid}`, 'best']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, `best.tmp-${dead}`, 'weights.bin'), 'x');
    writeFileSync(join(dir, 'best', `model.json.tmp-${dead}`), 'x');
    writeFileSync(join(dir, 'best', 'model.json'), 'x');
    store.begin(KEY, { pipeline: 'p', stage: 's', input });
    expect(existsSync(join(dir, `best.tmp-${dead}`))).toBe(false);
    expect(existsSync(join(dir, 'best', `model.json.tmp-${dead}`))).toBe(false);
    expect(existsSync(join(dir, `checkpoint.tmp-${process.pid}`))).toBe(true);
    expect(existsSync(join(dir, 'best', 'model.json'))).toBe(true);
  });
});

describe('checkpoints', () => {
  let model: tf.LayersModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], name: 'd' })] });
  });
  const state = (epoch: number): LoopState => ({ epoch, step: 0, globalStep: epoch * 10, records: [], best: null, accumulator: null, schedule: createSchedule({ type: 'constant' }, { baseLr: 0.1, stepsPerEpoch: 10, where: 's' }).state() });
  const write = async (dir: string, epoch: number) => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const opt = createOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.9 } as never, vars);
    await writeCheckpoint(dir, model, opt as never, state(epoch), tf);
  };

  for (const file of ['model.json', 'weights.bin', 'optimizer.bin']) {
    for (const [how, damage] of damages) {
      it(`refuses a checkpoint whose ${file} is ${how}`, async () => {
        const dir = join(mkdtempSync(join(tmpdir(), 'pipe-ckpt-')), 'checkpoint');
        await write(dir, 1);
        expect(readCheckpoint(dir)?.state.epoch).toBe(1);
        damage(join(dir, file));
        expect(() => readCheckpoint(dir)).toThrow(CorruptCheckpoint);
      });
    }
  }

  const edits: [string, (m: Record<string, unknown>) => unknown][] = [
    ['null', () => null],
    ['an array', () => []],
    ['without its state', (m) => ({ ...m, state: undefined })],
    ['with a state epoch of the wrong type', (m) => ({ ...m, state: { ...(m.state as object), epoch: '1' } })],
    ['without its optimizer', (m) => ({ ...m, optimizer: null })],
    ['with optimizer slots of the wrong type', (m) => ({ ...m, optimizer: { ...(m.optimizer as object), slots: [{ name: 'm', sizes: 'x' }] } })],
    ['with more slot values than optimizer.bin holds', (m) => ({ ...m, optimizer: { ...(m.optimizer as object), slots: [{ name: 'm', sizes: [999] }] } })],
  ];
  it.each(edits)('refuses (as damaged, never crashing) a checkpoint.json that is %s', async (_how, edit) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pipe-ckpt-')), 'checkpoint');
    await write(dir, 1);
    const file = join(dir, 'checkpoint.json');
    writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(file, 'utf8')))));
    expect(() => readCheckpoint(dir)).toThrow(CorruptCheckpoint);
  });

  it('keeps the previous checkpoint when a write fails (a full disk)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pipe-ckpt-')), 'checkpoint');
    await write(dir, 1);
    // The model's save throws as writes do on a full disk, after the temporary folder exists.
    const failing = model.save.bind(model);
    model.save = async (h, c) => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return failing(h, c);
    };
    try {
      await expect(write(dir, 2)).rejects.toThrow(/ENOSPC/);
    } finally {
      model.save = failing;
    }
    expect(readCheckpoint(dir)?.state.epoch).toBe(1);
    expect(existsSync(`${dir}.tmp-${process.pid}`)).toBe(false);
  });
});
