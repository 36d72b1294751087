import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cacheKeyHash, canonicalJson, decodeCacheKey, sharpDecoder, type DecodeCacheKey } from '../../src/data/cache.js';
import { stampFiles } from '../../src/data/file-hashes.js';
import { loadSplit } from '../../src/data/load-split.js';
import { resolvedDataset } from '../helpers/dataset.js';
import { writeIdx } from '../helpers/idx.js';
import { buildTinyImageNet, type TinyImageNetTree } from '../helpers/tiny-imagenet.js';

let tree: TinyImageNetTree;
let cacheDir: string;
beforeAll(async () => {
  tree = await buildTinyImageNet({ classes: 2, trainPerClass: 3, valPerClass: 2, test: 1, truncated: true });
});
afterAll(() => rmSync(tree.root, { recursive: true, force: true }));
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

const dataset = () => resolvedDataset({ format: 'tiny-imagenet', root: tree.root, on_bad_image: 'skip' });

/** Loads train through a fresh cache folder, returning what was warned and how often progress ran. */
async function load(fields: Partial<ReturnType<typeof dataset>> = {}) {
  const warnings: string[] = [];
  let progress = 0;
  const set = await loadSplit({ ...dataset(), ...fields }, 'train', { cacheDir, warn: (w) => warnings.push(w), onProgress: () => progress++ });
  return { set, warnings, progress };
}

function entry(suffix: '.u8' | '.json'): string {
  const name = readdirSync(cacheDir).find((f) => f.endsWith(suffix));
  if (!name) throw new Error(`no ${suffix} entry in ${cacheDir}`);
  return join(cacheDir, name);
}

function editManifest(edit: (m: { skipped: { index: unknown }[] }) => unknown): void {
  writeFileSync(entry('.json'), JSON.stringify(edit(JSON.parse(readFileSync(entry('.json'), 'utf8')))));
}

describe('decode cache', () => {
  it('loads an IDX split back from the cache (one file holds many images)', async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'pipe-cache-'));
    const root = mkdtempSync(join(tmpdir(), 'pipe-idx-'));
    writeIdx(join(root, 'train-images-idx3-ubyte.gz'), [6, 4, 4], Uint8Array.from({ length: 96 }, (_, i) => i));
    writeIdx(join(root, 'train-labels-idx1-ubyte.gz'), [6], Uint8Array.of(0, 1, 2, 0, 1, 2));
    const idx = resolvedDataset({ format: 'idx', root, channels: 1 });
    const warnings: string[] = [];
    const first = await loadSplit(idx, 'train', { cacheDir, warn: (w) => warnings.push(w) });
    const second = await loadSplit(idx, 'train', { cacheDir, warn: (w) => warnings.push(w) });
    expect([first.fromCache, second.fromCache]).toEqual([false, true]);
    expect(warnings).toEqual([]);
    expect(Buffer.from(second.images).equals(Buffer.from(first.images))).toBe(true);
  });

  it('decodes on a miss, then loads the same bytes back with no decoding', async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'pipe-cache-'));
    const first = await load();
    expect(first.set.fromCache).toBe(false);
    expect(first.progress).toBe(7);
    expect(readdirSync(cacheDir).sort()).toHaveLength(2); // <key>.json and <key>.u8, no temporaries
    const second = await load();
    expect(second.set.fromCache).toBe(true);
    expect(second.progress).toBe(0);
    expect(second.set.images.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(second.set.images).equals(Buffer.from(first.set.images))).toBe(true);
    expect(second.set.skipped).toEqual(first.set.skipped);
    expect(Array.from(second.set.labels ?? [])).toEqual([0, 0, 0, 1, 1, 1]);
    expect(second.set.files).toEqual(first.set.files);
    expect(second.warnings).toEqual([]);
  });

  it("misses when a decode option or a file's bytes change, not when a file is only touched", async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'pipe-cache-'));
    await load();
    expect((await load({ channels: 1 })).set.fromCache).toBe(false);
    const file = tree.greyscale;
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect((await load()).set.fromCache).toBe(true);
    const before = readFileSync(file);
    try {
      flipByte(file);
      expect((await load()).set.fromCache).toBe(false);
      expect((await load()).set.fromCache).toBe(true);
    } finally {
      writeFileSync(file, before);
    }
  });

  it.each([
    ['a flipped data byte', () => flipByte(entry('.u8')), 'data checksum does not match the manifest'],
    ['a cut-short data file', () => truncateSync(entry('.u8'), 100), `data file has 100 bytes, manifest says ${6 * 64 * 64 * 3}`],
    ['a garbled manifest', () => writeFileSync(entry('.json'), '{"cacheFor'), 'manifest does not parse'],
    ['a missing data file', () => rmSync(entry('.u8')), 'data file is missing'],
    ['a manifest that is null', () => writeFileSync(entry('.json'), 'null'), 'manifest does not parse'],
    ['a manifest that is an array', () => writeFileSync(entry('.json'), '[]'), 'manifest is for another key or format'],
    ['a skipped file of the wrong type', () => editManifest((m) => ({ ...m, skipped: [{ ...m.skipped[0], index: 'x' }] })), 'manifest lists malformed skipped files'],
    ['a skipped file out of range', () => editManifest((m) => ({ ...m, skipped: [{ ...m.skipped[0], index: 999 }] })), 'manifest lists malformed skipped files'],
  ])('warns about %s, deletes the entry and decodes again', async (_name, corrupt, reason) => {
    cacheDir = mkdtempSync(join(tmpdir(), 'pipe-cache-'));
    const good = await load();
    const manifest = entry('.json');
    corrupt();
    const again = await load();
    expect(again.warnings).toEqual([`decode cache entry ${manifest} is corrupt (${reason}): deleted, decoding again`]);
    expect(again.set.fromCache).toBe(false);
    expect(Buffer.from(again.set.images).equals(Buffer.from(good.set.images))).toBe(true);
    expect((await load()).set.fromCache).toBe(true);
  });

  it('warns on stderr when the caller does not take the warnings', async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'pipe-cache-'));
    await load();
    flipByte(entry('.u8'));
    const manifest = entry('.json');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await loadSplit(dataset(), 'train', { cacheDir });
      expect(stderr).toHaveBeenCalledWith(`warning: decode cache entry ${manifest} is corrupt (data checksum does not match the manifest): deleted, decoding again\n`);
    } finally {
      stderr.mockRestore();
    }
  });

  it('loads a cached split back without sharp', async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'pipe-cache-'));
    await load();
    vi.resetModules();
    const sharpCalls: string[] = [];
    vi.doMock('sharp', () => ({
      default: (file: string) => {
        sharpCalls.push(file);
        throw new Error('sharp is not available');
      },
    }));
    try {
      const fresh = await import('../../src/data/load-split.js');
      const options = { cacheDir, warn: () => undefined };
      expect((await fresh.loadSplit(dataset(), 'train', options)).fromCache).toBe(true);
      expect(sharpCalls).toEqual([]);
      // The mock is live: a miss (another channel count) does reach it.
      await expect(fresh.loadSplit({ ...dataset(), channels: 1 }, 'train', options)).rejects.toThrow('none of the 7 image files could be read');
      expect(sharpCalls.length).toBeGreaterThan(0);
    } finally {
      vi.doUnmock('sharp');
      vi.resetModules();
    }
  });
});

describe('cache key', () => {
  const key: DecodeCacheKey = {
    cacheFormat: 2,
    files: [{ name: 'a.jpg', sha256: 'a'.repeat(64) }],
    decode: { channels: 3, image_size: [64, 64], resize: false, on_bad_image: 'error' },
    decoder: 'sharp@1',
  };

  it('hashes canonical JSON: key order does not matter, every field does', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    const reordered = { decoder: key.decoder, decode: { ...key.decode }, files: key.files, cacheFormat: 2 };
    expect(cacheKeyHash(reordered)).toBe(cacheKeyHash(key));
    const variants: DecodeCacheKey[] = [
      { ...key, cacheFormat: 3 },
      { ...key, files: [{ name: 'b.jpg', sha256: 'a'.repeat(64) }] },
      { ...key, files: [{ name: 'a.jpg', sha256: 'b'.repeat(64) }] },
      { ...key, decode: { ...key.decode, resize: true } },
      { ...key, decoder: 'sharp@2' },
    ];
    for (const v of variants) expect(cacheKeyHash(v)).not.toBe(cacheKeyHash(key));
  });

  it('stamps every file with its name in the data set and its sha256, and names the sharp version', async () => {
    const { stamps } = stampFiles(tree.root, [tree.greyscale], { dir: null, warn: () => undefined });
    const k = decodeCacheKey(stamps, dataset(), sharpDecoder());
    expect(k.files).toEqual([{ name: relative(tree.root, tree.greyscale), sha256: createHash('sha256').update(readFileSync(tree.greyscale)).digest('hex') }]);
    expect(k.decoder).toMatch(/^sharp@\d+\.\d+\.\d+/);
    expect(Object.keys(k.decode).sort()).toEqual(['channels', 'image_size', 'on_bad_image', 'resize']);
  });
});

function flipByte(path: string): void {
  const bytes = readFileSync(path);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(path, bytes);
}
