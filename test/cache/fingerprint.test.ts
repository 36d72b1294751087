// Portable data fingerprints: a split's fingerprint is its files' contents named by their paths
// relative to the data set's root, so copying or moving a data set (new paths, times, inodes)
// keeps every stage key, while one changed byte or a renamed class folder changes it. The stat
// cache spares an unchanged tree any read, and a damaged one is warned about and rebuilt.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprints, splitFingerprint } from '../../src/cache/fingerprint.js';
import { stageKeys } from '../../src/cache/key.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { nameInDataset, stampFiles, type HashCacheOptions } from '../../src/data/file-hashes.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { REPO } from '../helpers/cli.js';
import { resolvedDataset } from '../helpers/dataset.js';
import { writeIdx } from '../helpers/idx.js';
import { buildTinyImageNet, type TinyImageNetTree } from '../helpers/tiny-imagenet.js';

const tmp = mkdtempSync(join(tmpdir(), 'pipe-fingerprint-'));
let tree: TinyImageNetTree;
beforeAll(async () => {
  tree = await buildTinyImageNet({ classes: 2, trainPerClass: 3, valPerClass: 2, test: 1 });
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(tree.root, { recursive: true, force: true });
});

let fresh = 0;
const folder = (name: string) => join(tmp, `${name}-${fresh++}`);

/** A copy of the shared tree: new paths, inodes and mtimes, the same bytes. */
function copyOf(root: string): string {
  const to = folder('copy');
  cpSync(root, to, { recursive: true });
  return to;
}

function hashCache(warnings: string[] = []): HashCacheOptions {
  return { dir: folder('hashes'), warn: (m) => void warnings.push(m) };
}

/** Every stage key of a seed pipeline whose data set is at `root`. */
async function keysAt(pipeline: string, root: string, hashes = hashCache()): Promise<Record<string, string>> {
  const { pipeline: p, locate } = await resolvePipeline(join(REPO, 'pipelines', pipeline), { cwd: REPO, sets: [`dataset.root=${root}`] });
  const prints = await fingerprints(p, hashes);
  const keys = stageKeys(p, analyzeGraphs(p, locate), { backend: 'wasm', workers: 1, fingerprint: (s) => prints[s]! });
  return Object.fromEntries(Object.entries(keys).map(([s, k]) => [s, k.key]));
}

function idxTree(): string {
  const root = folder('idx');
  mkdirSync(root);
  writeIdx(join(root, 'train-images-idx3-ubyte.gz'), [4, 28, 28], Uint8Array.from({ length: 4 * 28 * 28 }, (_, i) => i % 251));
  writeIdx(join(root, 'train-labels-idx1-ubyte.gz'), [4], Uint8Array.of(0, 1, 2, 3));
  writeIdx(join(root, 't10k-images-idx3-ubyte.gz'), [2, 28, 28], Uint8Array.from({ length: 2 * 28 * 28 }, (_, i) => i % 13));
  writeIdx(join(root, 't10k-labels-idx1-ubyte.gz'), [2], Uint8Array.of(1, 0));
  return root;
}

/** A cache file's text with its entries edited and its checksum made to match them. */
function withBody(text: string, edit: (rows: unknown[][]) => unknown[]): string {
  const [header, body] = text.split('\n');
  const rows = JSON.stringify(edit(JSON.parse(body) as unknown[][]));
  return `${JSON.stringify({ ...JSON.parse(header), sha256: createHash('sha256').update(rows).digest('hex') })}\n${rows}`;
}

function flipByte(path: string): void {
  const bytes = readFileSync(path);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(path, bytes);
}

const trainDir = (root: string, c = 0) => join(root, 'train', tree.wnids[c], 'images');
const firstImage = (root: string) => join(trainDir(root), readdirSync(trainDir(root))[0]);
const tiny = (root: string) => resolvedDataset({ format: 'tiny-imagenet', root });

describe('stage keys of a data set', () => {
  it.each([
    ['tiny-imagenet', 'resnet9.yaml', () => tree.root],
    ['idx', 'fashion-resnet.yaml', idxTree],
  ])('%s: are kept when the data set is copied or moved (new paths, times, inodes)', async (_format, pipeline, make) => {
    const root = copyOf(make());
    const before = await keysAt(pipeline, root);
    const copy = copyOf(root);
    expect(await keysAt(pipeline, copy)).toEqual(before);
    const moved = folder('moved');
    renameSync(copy, moved);
    expect(await keysAt(pipeline, moved)).toEqual(before);
  });

  it('change with one byte of one image, and with one label of an IDX file', async () => {
    const root = copyOf(tree.root);
    const before = await keysAt('resnet9.yaml', root);
    flipByte(firstImage(root));
    expect((await keysAt('resnet9.yaml', root)).train).not.toBe(before.train);
    const idx = idxTree();
    const idxBefore = await keysAt('fashion-resnet.yaml', idx);
    writeIdx(join(idx, 'train-labels-idx1-ubyte.gz'), [4], Uint8Array.of(0, 1, 2, 2));
    expect((await keysAt('fashion-resnet.yaml', idx)).train).not.toBe(idxBefore.train);
  });
});

describe('a split fingerprint', () => {
  it('is kept when a file is touched (new mtime, same bytes): read again, same hash', async () => {
    const root = copyOf(tree.root);
    const hashes = hashCache();
    const before = await splitFingerprint(tiny(root), 'train', hashes);
    const file = firstImage(root);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await splitFingerprint(tiny(root), 'train', hashes)).toBe(before);
    const { read } = stampFiles(root, [file], hashes);
    expect(read).toBe(0); // the touch was recorded by the fingerprint before
  });

  it('changes when a class folder is renamed, even where class_names fixes the names', async () => {
    const root = folder('folders');
    for (const [c, name] of ['cat', 'dog'].entries()) {
      mkdirSync(join(root, 'train', name), { recursive: true });
      for (const file of readdirSync(trainDir(tree.root, c))) copyFileSync(join(trainDir(tree.root, c), file), join(root, 'train', name, file));
    }
    const dataset = resolvedDataset({ format: 'image-folder', root, class_names: ['a cat', 'a dog'] });
    const before = await splitFingerprint(dataset, 'train');
    renameSync(join(root, 'train', 'dog'), join(root, 'train', 'wolf'));
    expect(await splitFingerprint(dataset, 'train')).not.toBe(before);
  });

  it('hashes what a link leads to, naming the link where it is', async () => {
    const root = copyOf(tree.root);
    const elsewhere = folder('elsewhere');
    mkdirSync(elsewhere);
    const [a, b] = [join(elsewhere, 'a.JPEG'), join(elsewhere, 'b.JPEG')];
    copyFileSync(firstImage(tree.root), a);
    copyFileSync(join(trainDir(tree.root, 1), readdirSync(trainDir(tree.root, 1))[0]), b);
    const link = join(trainDir(root), 'zz_link.JPEG');
    symlinkSync(a, link);
    const { stamps } = stampFiles(root, [link], hashCache());
    expect(stamps).toEqual([{ name: `train/${tree.wnids[0]}/images/zz_link.JPEG`, sha256: createHash('sha256').update(readFileSync(a)).digest('hex') }]);
    const hashes = hashCache();
    const before = await splitFingerprint(tiny(root), 'train', hashes);
    rmSync(link);
    symlinkSync(b, link);
    expect(await splitFingerprint(tiny(root), 'train', hashes)).not.toBe(before);
  });
});

describe('names in the data set', () => {
  it.each([
    ['/data/set', '/data/set/train/cat/1.jpg', 'train/cat/1.jpg'],
    ['/data/set/', '/data/set/./train/../x.idx', 'x.idx'],
    ['/data/set', '/usr/share/labels.idx', '/usr/share/labels.idx'],
    ['/data/set', '/data/other/x.idx', '/data/other/x.idx'],
    ['/data/set', '/data/set/..labels', '..labels'],
  ])('root %s, file %s: %s', (root, file, name) => {
    expect(nameInDataset(root, file)).toBe(name);
  });
});

describe('the stat cache', () => {
  it('spares an unchanged tree any read; a new or changed file alone is read', () => {
    const root = copyOf(tree.root);
    const files = readdirSync(trainDir(root)).map((f) => join(trainDir(root), f));
    const hashes = hashCache();
    const first = stampFiles(root, files, hashes);
    expect([first.read, first.bytesRead]).toEqual([files.length, files.reduce((n, f) => n + readFileSync(f).length, 0)]);
    const again = stampFiles(root, files, hashes);
    expect(again).toEqual({ stamps: first.stamps, read: 0, bytesRead: 0 });
    flipByte(files[1]);
    expect((stampFiles(root, files, hashes)).read).toBe(1);
    // Without a cache folder every file is read every time.
    expect((stampFiles(root, files, { ...hashes, dir: null })).read).toBe(files.length);
  });

  it.skipIf(process.getuid?.() === 0)('fingerprints a tree it may no longer read from the cache (chmod 000; root reads anyway)', async () => {
    const root = copyOf(tree.root);
    const hashes = hashCache();
    const before = await splitFingerprint(tiny(root), 'train', hashes);
    const file = firstImage(root);
    chmodSync(file, 0o000);
    try {
      expect(await splitFingerprint(tiny(root), 'train', hashes)).toBe(before);
      expect(() => stampFiles(root, [file], { ...hashes, dir: null })).toThrow(`${file}: cannot be read (EACCES)`);
    } finally {
      chmodSync(file, 0o644);
    }
  });

  it('drops entries of files that are gone when it is written', () => {
    const root = copyOf(tree.root);
    const files = readdirSync(trainDir(root)).map((f) => join(trainDir(root), f));
    const hashes = hashCache();
    stampFiles(root, files, hashes);
    rmSync(files[0]);
    flipByte(files[1]);
    stampFiles(root, files.slice(1), hashes);
    const [cacheFile] = readdirSync(hashes.dir!);
    const rows = JSON.parse(readFileSync(join(hashes.dir!, cacheFile), 'utf8').split('\n')[1]) as [string][];
    expect(rows.map((r) => r[0]).sort()).toEqual(files.slice(1).map((f) => relative(root, f)).sort());
  });

  it('keeps the entries of other files of the root, inside it or named absolutely outside it, while they exist', () => {
    const root = copyOf(tree.root);
    const inside = firstImage(root);
    const outside = join(folder('outside'), 'labels.idx');
    mkdirSync(join(outside, '..'));
    writeIdx(outside, [2], Uint8Array.of(0, 1));
    const hashes = hashCache();
    expect(stampFiles(root, [inside, outside], hashes).stamps.map((s) => s.name)).toEqual([relative(root, inside), outside]);
    flipByte(inside);
    expect(stampFiles(root, [inside], hashes).read).toBe(1); // written again, without `outside` in the listing
    expect(stampFiles(root, [inside, outside], hashes).read).toBe(0);
  });

  const damages: [string, (text: string) => string, string][] = [
    ['cut short', (t) => t.slice(0, t.length - 20), 'checksum does not match: altered or cut short'],
    ['empty', () => '', 'does not parse'],
    ['garbled', () => '{"format":1,"ro', 'does not parse'],
    ['a hash altered', (t) => t.replace(/"([0-9a-f])([0-9a-f]{63})"\]/, (_m, c: string, rest: string) => `"${c === '0' ? '1' : '0'}${rest}"]`), 'checksum does not match: altered or cut short'],
    ['a header that is null', (t) => `null\n${t.split('\n')[1]}`, 'its header is not an object'],
    ['another root', (t) => t.replace(/"root":"[^"]*"/, '"root":"/elsewhere"'), 'it is of another format or data set root'],
    ['another format', (t) => t.replace('"format":1', '"format":99'), 'it is of another format or data set root'],
    ['an entry malformed under a matching checksum', (t) => withBody(t, (rows) => [...rows.slice(1), [rows[0][0], 'x', rows[0][2]]]), 'an entry is malformed'],
    ['an entry left out under a matching checksum', (t) => withBody(t, (rows) => rows.slice(1)), 'entry count does not match its header'],
  ];
  it.each(damages)('warns about a cache file %s, hashes every file again and rebuilds it', (_name, damage, reason) => {
    const root = copyOf(tree.root);
    const files = readdirSync(trainDir(root)).map((f) => join(trainDir(root), f));
    const warnings: string[] = [];
    const hashes = hashCache(warnings);
    const good = stampFiles(root, files, hashes);
    const cacheFile = join(hashes.dir!, readdirSync(hashes.dir!)[0]);
    writeFileSync(cacheFile, damage(readFileSync(cacheFile, 'utf8')));
    const again = stampFiles(root, files, hashes);
    expect(warnings).toEqual([`hash cache ${cacheFile} is damaged (${reason}): ignored, hashing the data set's files again`]);
    expect([again.stamps, again.read]).toEqual([good.stamps, files.length]);
    expect((stampFiles(root, files, hashes)).read).toBe(0);
    expect(warnings).toHaveLength(1);
  });

  it('names a listed file that is gone', () => {
    const root = copyOf(tree.root);
    const file = firstImage(root);
    rmSync(file);
    expect(() => stampFiles(root, [file], hashCache())).toThrow(`${file}: file not found (the data set lists it)`);
  });
});
