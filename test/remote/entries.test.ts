// Entries on a remote, the same tests on a folder (file://) and on an S3-compatible server
// (s3rver on 127.0.0.1): a pushed entry pulls back whole; an entry is complete there only once its
// manifest is; a file that differs from its manifest, a manifest that was altered or names a path
// outside the entry, and a key that is not one are refused with nothing installed; a push that
// fails midway names the key and the file and leaves no manifest; checkpoints travel and resume.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_FORMAT, type StageKeyInput } from '../../src/cache/key.js';
import { ENTRY_FILES, StageStore } from '../../src/cache/store.js';
import { canonicalJson } from '../../src/data/cache.js';
import { JobError } from '../../src/errors.js';
import { openRemote, parseRemoteUrl, RemoteEntries, RemoteRefused, type ObjectStore } from '../../src/remote/index.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const KEY = 'b'.repeat(64);
const input = { format: CACHE_FORMAT } as unknown as StageKeyInput;

function newStore(): StageStore {
  return new StageStore(mkdtempSync(join(tmpdir(), 'pipe-remote-store-')), () => {});
}

function filledStore(): StageStore {
  const store = newStore();
  const dir = store.begin(KEY, { pipeline: 'p', stage: 's', input });
  for (const f of ENTRY_FILES) writeFileSync(join(dir, f), `${f} `.repeat(50));
  store.seal(KEY, { pipeline: 'p', stage: 's', input });
  return store;
}

/** A checkpoint folder as checkpoint.ts writes one (its files' sums in checkpoint.json). */
function writeCheckpointDir(dir: string, globalStep: number, weights: string): void {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, { size: number; sha256: string }> = {};
  for (const [f, text] of [['model.json', '{}'], ['weights.bin', weights], ['optimizer.bin', 'opt']]) {
    writeFileSync(join(dir, f), text);
    files[f] = { size: Buffer.byteLength(text), sha256: sha(Buffer.from(text)) };
  }
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify({ version: 1, state: { epoch: 1, step: globalStep, globalStep, records: [] }, files }));
}

let server: S3TestServer;
let prefixes = 0;

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

const kinds: [string, () => Promise<RemoteEntries>][] = [
  ['a folder', () => openRemote(parseRemoteUrl(`file://${mkdtempSync(join(tmpdir(), 'pipe-remote-'))}`, '--remote'), {})],
  ['an S3-compatible server', () => openRemote(parseRemoteUrl(`s3://${server.bucket}/unit-${++prefixes}?endpoint=${server.endpoint}`, '--remote'), process.env)],
];

describe.each(kinds)('entries on %s', (_, open) => {
  it('pushes an entry and pulls it back whole into another store', async () => {
    const remote = await open();
    const a = filledStore();
    expect(await remote.has(KEY)).toBe(false);
    expect(await remote.put(KEY, a)).toEqual({ files: ENTRY_FILES.length, bytes: expect.any(Number) });
    expect(await remote.keys()).toEqual([KEY]);
    const b = newStore();
    expect(await remote.get(KEY, b)).toMatchObject({ files: ENTRY_FILES.length });
    expect(b.complete(KEY)?.files).toEqual(a.complete(KEY)?.files);
    for (const f of ENTRY_FILES) expect(readFileSync(join(b.dir(KEY), f))).toEqual(readFileSync(join(a.dir(KEY), f)));
    remote.objects.close();
  });

  it('does not count an entry whose files are there without its manifest (a half upload)', async () => {
    const remote = await open();
    await remote.objects.write(`stages/${KEY}/weights.bin`, Buffer.from('w'));
    expect(await remote.has(KEY)).toBe(false);
    expect(await remote.keys()).toEqual([]);
    expect(await remote.get(KEY, newStore())).toBeNull();
    remote.objects.close();
  });

  it('refuses a file whose sha256 differs from the manifest, naming it and both sums, and installs nothing', async () => {
    const remote = await open();
    const a = filledStore();
    await remote.put(KEY, a);
    const expected = a.complete(KEY)!.files['weights.bin'].sha256;
    const bad = Buffer.from('weights.bin '.repeat(50).replace('w', 'W'));
    await remote.objects.write(`stages/${KEY}/weights.bin`, bad);
    const b = newStore();
    const e = await remote.get(KEY, b).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteRefused);
    expect((e as Error).message).toBe(`${remote.url}: cache entry ${KEY.slice(0, 12)} (p, stage s): weights.bin has sha256 ${sha(bad)} (600 bytes), its manifest says ${expected} (600 bytes); not installed`);
    expect(b.complete(KEY)).toBeNull();
    expect(existsSync(b.dir(KEY)) ? readdirSync(b.dir(KEY)) : []).toEqual([]);
    remote.objects.close();
  });

  it.each([
    ['a path outside the entry', { '../../etc/passwd': { size: 1, sha256: 'c'.repeat(64) } }, "lists '../../etc/passwd', which is not a file of a cache entry"],
    ['an absolute path', { '/etc/passwd': { size: 1, sha256: 'c'.repeat(64) } }, "lists '/etc/passwd', which is not a file of a cache entry"],
    ['a malformed sum', { 'weights.bin': { size: -1, sha256: 'x' } }, 'the size or sha256 of weights.bin is malformed'],
  ])('refuses a manifest that names %s', async (_what, files, message) => {
    const remote = await open();
    await remote.put(KEY, filledStore());
    const m = JSON.parse(Buffer.from((await remote.objects.read(`stages/${KEY}/manifest.json`))!).toString());
    delete m.checksum;
    m.files = files;
    // Sealed again, as a hostile remote would: the refusal must not rest on the checksum.
    m.checksum = createHash('sha256').update(canonicalJson(m)).digest('hex');
    await remote.objects.write(`stages/${KEY}/manifest.json`, Buffer.from(JSON.stringify(m)));
    await expect(remote.get(KEY, newStore())).rejects.toThrow(message);
    remote.objects.close();
  });

  it('refuses a manifest altered after it was sealed, and a key that is not 64 hex characters', async () => {
    const remote = await open();
    await remote.put(KEY, filledStore());
    const text = Buffer.from((await remote.objects.read(`stages/${KEY}/manifest.json`))!).toString();
    await remote.objects.write(`stages/${KEY}/manifest.json`, Buffer.from(text.replace('"stage": "s"', '"stage": "t"')));
    await expect(remote.get(KEY, newStore())).rejects.toThrow(`${remote.url}: cache entry ${KEY.slice(0, 12)}: manifest.json does not match its own checksum (altered)`);
    await expect(remote.get('../../x', newStore())).rejects.toThrow(`${remote.url}: '../../x' is not a cache key (64 hex characters); refused`);
    remote.objects.close();
  });

  it('fails a push that breaks midway with a JobError naming the key and the file, leaving no manifest', async () => {
    const remote = await open();
    const failing: ObjectStore = {
      ...bind(remote.objects),
      write: async (name, bytes) => {
        if (name.endsWith('/weights.bin')) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return remote.objects.write(name, bytes);
      },
    };
    const e = await new RemoteEntries(failing).put(KEY, filledStore()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(JobError);
    expect((e as Error).message).toBe(`cannot push ${remote.url} ${KEY.slice(0, 12)}/weights.bin: ECONNRESET: socket hang up`);
    expect(await remote.has(KEY)).toBe(false);
    remote.objects.close();
  });

  it('pushes a checkpoint, keeps only the files its pointers name, and installs the newest one elsewhere', async () => {
    const remote = await open();
    const here = filledStore().dir(KEY);
    writeCheckpointDir(join(here, 'checkpoint'), 3, 'w3');
    expect(await remote.putCheckpoint(KEY, here, 'checkpoint')).toMatchObject({ files: 4 });
    writeCheckpointDir(join(here, 'checkpoint'), 5, 'w5');
    writeCheckpointDir(join(here, 'best'), 5, 'w5');
    await remote.putCheckpoint(KEY, here, 'checkpoint');
    await remote.putCheckpoint(KEY, here, 'best');
    expect(await remote.checkpointProgress(KEY)).toEqual({ epoch: 1, step: 5, globalStep: 5 });
    // w3's weights are named by no pointer any more: removed. The rest is shared by both.
    expect((await remote.objects.list(`stages/${KEY}/resume/blobs/`)).length).toBe(4);
    const there = mkdtempSync(join(tmpdir(), 'pipe-remote-entry-'));
    expect(await remote.getCheckpoints(KEY, there)).toMatchObject({ files: 8 });
    for (const slot of ['checkpoint', 'best']) expect(readFileSync(join(there, slot, 'weights.bin'), 'utf8')).toBe('w5');
    await remote.dropCheckpoints(KEY);
    expect(await remote.objects.list(`stages/${KEY}/resume/`)).toEqual([]);
    remote.objects.close();
  });
});

describe('opening a remote', () => {
  it('says an S3 server that cannot be reached is a job error, at once', async () => {
    // Port 1 of loopback: nothing listens there.
    const spec = parseRemoteUrl('s3://pipe-test/x?endpoint=http://127.0.0.1:1', '--remote');
    const e = await openRemote(spec, process.env).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(JobError);
    expect((e as Error).message).toMatch(/^cannot reach s3:\/\/pipe-test\/x\/ at http:\/\/127\.0\.0\.1:1: /);
  });
});

function bind(o: ObjectStore): ObjectStore {
  return { url: o.url, list: (p) => o.list(p), read: (n) => o.read(n), write: (n, b) => o.write(n, b), exists: (n) => o.exists(n), remove: (n) => o.remove(n), close: () => o.close() };
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
