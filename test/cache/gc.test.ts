// `pipe cache gc`: decoded splits no kept entry reads are removed (with their sizes), a locked
// entry's are kept; temporaries of writers that died go, a live writer's stay. The fingerprint a
// decoded split records is the one stage keys hold, else gc would remove data in use.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFingerprint } from '../../src/cache/fingerprint.js';
import { planGc } from '../../src/cache/gc.js';
import { CACHE_FORMAT, type StageKeyInput } from '../../src/cache/key.js';
import { StageStore } from '../../src/cache/store.js';
import { DecodeCache, cacheKeyHash, type DecodeCacheKey } from '../../src/data/cache.js';
import { loadSplit } from '../../src/data/load-split.js';
import { runPipe } from '../helpers/cli.js';
import { resolvedDataset } from '../helpers/dataset.js';
import { writeIdx } from '../helpers/idx.js';

const key = (c: string) => c.repeat(64);
const decodeKey = (decoder: string): DecodeCacheKey => ({ cacheFormat: 1, files: [], decode: { channels: 1, image_size: [2, 2], resize: false, on_bad_image: 'error' }, decoder });

/** outputs/ with entries a (a run names it), b (no run does), c (locked: training now), and a
 *  decoded split for each of their fingerprints, one an older pipe wrote (no fingerprints), and
 *  temporaries of a dead and of a live writer. */
function outputsFolder() {
  const outputs = mkdtempSync(join(tmpdir(), 'pipe-gc-'));
  const store = StageStore.at(outputs, () => {});
  const entries: [string, string][] = [['a', 'F1'], ['b', 'F2'], ['c', 'F3']];
  for (const [k, print] of entries) {
    const input = { format: CACHE_FORMAT, data: { train: print } } as unknown as StageKeyInput;
    store.begin(key(k), { pipeline: 'p', stage: k, input });
  }
  writeFileSync(store.lockPath(key('c')), JSON.stringify({ pid: process.pid, host: 'x', started: '', what: '' }));
  mkdirSync(join(outputs, 'runs', 'p-1'), { recursive: true });
  writeFileSync(join(outputs, 'runs', 'p-1', 'run.json'), JSON.stringify({ keys: { a: key('a') } }));
  const cache = new DecodeCache(join(outputs, 'cache', 'data'), () => {});
  const decoded = { images: new Uint8Array(4), count: 1, height: 2, width: 2, channels: 1 as const, kept: Int32Array.of(0), skipped: [] };
  const hashes: Record<string, string> = {};
  for (const print of ['F1', 'F2', 'F3', 'old']) {
    cache.store(decodeKey(print), decoded, 1, print === 'old' ? undefined : print);
    hashes[print] = cacheKeyHash(decodeKey(print));
  }
  const dead = spawnSync('true').pid!;
  writeFileSync(join(cache.dir, `${hashes.F1}.u8.tmp-${dead}-abc`), 'xx');
  writeFileSync(join(cache.dir, `${hashes.F1}.u8.tmp-${process.pid}-abc`), 'xx');
  mkdirSync(join(store.dir(key('a')), `best.tmp-${dead}`));
  writeFileSync(join(store.dir(key('a')), `best.tmp-${dead}`, 'weights.bin'), 'xxx');
  return { outputs, store, cache, hashes, dead };
}

describe('pipe cache gc and decoded data', () => {
  it('plans to remove the splits no kept entry reads and the temporaries of dead writers', () => {
    const { outputs, store, hashes, dead } = outputsFolder();
    const plan = planGc(store, outputs, null);
    expect(plan.remove.map((e) => e.stage)).toEqual(['b']);
    expect(plan.data.map((d) => d.hash).sort()).toEqual([hashes.F2, hashes.old].sort());
    expect(plan.data.every((d) => d.bytes > 4)).toBe(true);
    expect(plan.temporaries.map((t) => t.path.split('/').slice(-1)[0]).sort()).toEqual([`${hashes.F1}.u8.tmp-${dead}-abc`, `best.tmp-${dead}`].sort());
  });

  it('gc removes them and says so with their sizes; --dry-run removes nothing', () => {
    const { outputs, cache, hashes, dead } = outputsFolder();
    const dry = runPipe(['cache', 'gc', '--dry-run', '--outputs', outputs]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would remove decoded data ${hashes.F2.slice(0, 12)}  1 images  `);
    expect(existsSync(cache.dataPath(hashes.F2))).toBe(true);
    const r = runPipe(['cache', 'gc', '--outputs', outputs]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`removed decoded data ${hashes.old.slice(0, 12)}  1 images  `);
    expect(r.stdout).toContain(`removed cache/stages/${key('a')}/best.tmp-${dead} (left by a writer that died)  3 B\n`);
    for (const p of ['F2', 'old']) expect(existsSync(cache.manifestPath(hashes[p]))).toBe(false);
    // Read by a kept entry, or by a stage training now (locked): kept.
    for (const p of ['F1', 'F3']) expect(existsSync(cache.dataPath(hashes[p]))).toBe(true);
    expect(existsSync(join(cache.dir, `${hashes.F1}.u8.tmp-${process.pid}-abc`))).toBe(true);
  });

  it('a decoded split records the fingerprint stage keys hold for it (and each further one it is loaded for)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pipe-idx-'));
    writeIdx(join(root, 'train-images-idx3-ubyte.gz'), [3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i));
    writeIdx(join(root, 'train-labels-idx1-ubyte.gz'), [3], Uint8Array.of(0, 1, 2));
    const cacheDir = mkdtempSync(join(tmpdir(), 'pipe-cache-'));
    const datasets = [resolvedDataset({ format: 'idx', root, channels: 1 }), resolvedDataset({ format: 'idx', root, channels: 1, class_names: ['x', 'y', 'z'] })];
    for (const d of datasets) await loadSplit(d, 'train', { cacheDir });
    const cache = new DecodeCache(cacheDir, () => {});
    const [entry] = cache.list();
    expect(cache.list()).toHaveLength(1);
    expect(entry.fingerprints).toEqual([await splitFingerprint(datasets[0], 'train'), await splitFingerprint(datasets[1], 'train')]);
    expect(JSON.parse(readFileSync(cache.manifestPath(entry.hash), 'utf8')).fingerprints).toHaveLength(2);
  });
});
