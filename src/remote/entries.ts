// Cache entries on a remote, laid out as the local store keeps them (src/cache/store.ts):
//   stages/<key>/<file>           each file the entry's manifest lists (model.json, weights.bin...)
//   stages/<key>/manifest.json    uploaded LAST: an entry is complete on the remote exactly when
//                                 its manifest is there, so a half-uploaded entry (a crash, a lost
//                                 connection) is never taken for a complete one. It is the local
//                                 manifest plus `checksum`, the sha256 of the canonical JSON of
//                                 every other field, so the manifest itself is checked too.
//   stages/<key>/resume/<slot>.json  the latest checkpoint (`checkpoint`) and best one (`best`) of
//                                 a stage still training: pointers, checksummed the same way, to
//   stages/<key>/resume/blobs/<sha256>  their files, by content. A pointer is written after its
//                                 files, so a reader follows it to whole files; a new one never
//                                 overwrites a file an older pointer names.
// Everything read from a remote is checked before anything is installed: a key that is not 64 hex
// characters, a manifest naming a file no entry holds (`../../etc/passwd`, an absolute path), a
// file whose sha256 differs from the manifest's: each is refused (RemoteRefused), naming what.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { syncDir, writeAtomic, type FileSum } from '../cache/files.js';
import { CACHE_FORMAT } from '../cache/key.js';
import { ENTRY_FILES, type EntryInfo, type EntryManifest, type StageStore } from '../cache/store.js';
import { canonicalJson } from '../data/cache.js';
import { JobError } from '../errors.js';
import type { ObjectStore } from './objects.js';

/** Remote content that is damaged or hostile: refused, nothing of it installed. */
export class RemoteRefused extends JobError {}

export interface Transferred {
  readonly files: number;
  readonly bytes: number;
}

/** Where a checkpoint is: its loop position, to compare with another. */
export interface CheckpointProgress {
  readonly epoch: number;
  readonly step: number;
  readonly globalStep: number;
}

export type CheckpointSlot = 'checkpoint' | 'best';
export const CHECKPOINT_SLOTS: readonly CheckpointSlot[] = ['checkpoint', 'best'];

interface CheckpointPointer {
  readonly format: number;
  readonly key: string;
  readonly slot: CheckpointSlot;
  readonly progress: CheckpointProgress;
  readonly files: Readonly<Record<string, FileSum>>;
}

const KEY = /^[0-9a-f]{64}$/;
const SHA256 = /^[0-9a-f]{64}$/;
/** A checkpoint's file names: plain names, never a path (checkpoint.ts writes model.json...). */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

export class RemoteEntries {
  constructor(readonly objects: ObjectStore) {}

  get url(): string {
    return this.objects.url;
  }

  /** Keys of the remote's complete entries (those with a manifest), sorted. */
  async keys(): Promise<string[]> {
    const names = await this.network('list the entries of', '', () => this.objects.list('stages/'));
    return names.flatMap((n) => /^stages\/([0-9a-f]{64})\/manifest\.json$/.exec(n)?.[1] ?? []).sort();
  }

  /** The remote's manifest of `key`: null when it has none (the entry is absent or still being
   *  uploaded); RemoteRefused when it is damaged or hostile. */
  async manifest(key: string): Promise<EntryManifest | null> {
    checkKey(key, this.url);
    const bytes = await this.network('read', `${short(key)}/manifest.json`, () => this.objects.read(`stages/${key}/manifest.json`));
    return bytes === null ? null : parseManifest(bytes, key, this.url);
  }

  /** Whether the remote has a complete entry of `key` whose manifest checks out. */
  async has(key: string): Promise<boolean> {
    try {
      return (await this.manifest(key)) !== null;
    } catch (e) {
      if (e instanceof RemoteRefused) return false;
      throw e;
    }
  }

  /** Installs the remote's complete entry of `key` into `store` (the caller holds the entry's
   *  lock): every file is downloaded and checked against the manifest first, then moved in, the
   *  manifest last. Null when the remote has no complete entry. */
  async get(key: string, store: StageStore): Promise<Transferred | null> {
    const manifest = await this.manifest(key);
    if (manifest === null) return null;
    const dir = store.dir(key);
    const created = !existsSync(dir);
    const tmp = join(dir, `pull.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    let bytes = 0;
    try {
      for (const [file, sum] of Object.entries(manifest.files)) {
        const got = await this.network('pull', `${short(key)}/${file}`, () => this.objects.read(`stages/${key}/${file}`));
        const what = `${this.url}: cache entry ${short(key)} (${manifest.pipeline}, stage ${manifest.stage}): ${file}`;
        if (got === null) throw new RemoteRefused(`${what} is missing, though its manifest lists it; not installed`);
        const actual = sha256(got);
        if (actual !== sum.sha256 || got.byteLength !== sum.size) throw new RemoteRefused(`${what} has sha256 ${actual} (${got.byteLength} bytes), its manifest says ${sum.sha256} (${sum.size} bytes); not installed`);
        writeAtomic(join(tmp, file), got);
        bytes += got.byteLength;
      }
      // Every file checked: move them in, the manifest last (the local store's own rule).
      rmSync(join(dir, 'manifest.json'), { force: true });
      for (const file of Object.keys(manifest.files)) renameSync(join(tmp, file), join(dir, file));
      const info: EntryInfo = { format: manifest.format, key, pipeline: manifest.pipeline, stage: manifest.stage, input: manifest.input, started: manifest.started };
      if (!existsSync(join(dir, 'started.json'))) writeAtomic(join(dir, 'started.json'), Buffer.from(JSON.stringify(info, null, 2)));
      writeAtomic(join(dir, 'manifest.json'), Buffer.from(JSON.stringify(manifest, null, 2)));
    } catch (e) {
      // Nothing is installed: a folder made for this pull goes too (its lock is the caller's).
      if (created) rmSync(dir, { recursive: true, force: true });
      throw e;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    if (store.complete(key) === null) throw new Error(`internal error: cache entry ${short(key)} pulled from ${this.url} is not complete once installed`);
    return { files: Object.keys(manifest.files).length, bytes };
  }

  /** Uploads the complete local entry of `key`: its files, then its manifest. */
  async put(key: string, store: StageStore): Promise<Transferred> {
    checkKey(key, this.url);
    const local = store.complete(key);
    if (local === null) throw new JobError(`cache entry ${short(key)} is not complete in ${store.root}, so it cannot be pushed`);
    const manifestName = `stages/${key}/manifest.json`;
    // A damaged manifest already there goes first: while files change, the entry is not complete.
    await this.network('push', `${short(key)}/manifest.json`, () => this.objects.remove(manifestName));
    let bytes = 0;
    for (const [file, sum] of Object.entries(local.files)) {
      const data = readFileSync(join(store.dir(key), file));
      if (sha256(data) !== sum.sha256) throw new JobError(`cache entry ${short(key)}: ${file} changed while it was pushed`, 'push it again');
      await this.network('push', `${short(key)}/${file}`, () => this.objects.write(`stages/${key}/${file}`, data));
      bytes += data.byteLength;
    }
    await this.network('push', `${short(key)}/manifest.json`, () => this.objects.write(manifestName, Buffer.from(JSON.stringify(sealed(local), null, 2))));
    return { files: Object.keys(local.files).length, bytes };
  }

  /** Uploads the checkpoint in `<entryDir>/<slot>` as it is now (read at once, so a checkpoint
   *  written meanwhile is never mixed in); null when there is none to push. */
  async putCheckpoint(key: string, entryDir: string, slot: CheckpointSlot): Promise<Transferred | null> {
    checkKey(key, this.url);
    const local = readLocalCheckpoint(join(entryDir, slot));
    if (local === null) return null;
    const base = `stages/${key}/resume`;
    let bytes = 0;
    for (const [file, data] of local.files) {
      const blob = `${base}/blobs/${sha256(data)}`;
      if (await this.network('push', `${short(key)}/${slot}/${file}`, () => this.objects.exists(blob))) continue;
      await this.network('push', `${short(key)}/${slot}/${file}`, () => this.objects.write(blob, data));
      bytes += data.byteLength;
    }
    const files = Object.fromEntries([...local.files].map(([f, data]) => [f, { size: data.byteLength, sha256: sha256(data) }]));
    const pointer: CheckpointPointer = { format: CACHE_FORMAT, key, slot, progress: local.progress, files };
    await this.network('push', `${short(key)}/${slot}.json`, () => this.objects.write(`${base}/${slot}.json`, Buffer.from(JSON.stringify(sealed(pointer)))));
    await this.dropUnreferencedBlobs(key);
    return { files: local.files.size, bytes };
  }

  /** Where the remote's latest checkpoint of `key` is; null when it has none. */
  async checkpointProgress(key: string): Promise<CheckpointProgress | null> {
    return (await this.pointer(key, 'checkpoint'))?.progress ?? null;
  }

  /** Installs the remote's checkpoints of `key` (the last one and the best one) into `entryDir`,
   *  each downloaded and checked whole before it replaces the local one. */
  async getCheckpoints(key: string, entryDir: string): Promise<Transferred> {
    let files = 0;
    let bytes = 0;
    for (const slot of CHECKPOINT_SLOTS) {
      const pointer = await this.pointer(key, slot);
      if (pointer === null) continue;
      const tmp = join(entryDir, `${slot}.tmp-${process.pid}`);
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp, { recursive: true });
      try {
        for (const [file, sum] of Object.entries(pointer.files)) {
          const got = await this.network('pull', `${short(key)}/${slot}/${file}`, () => this.objects.read(`stages/${key}/resume/blobs/${sum.sha256}`));
          const what = `${this.url}: the ${slot} of cache entry ${short(key)}: ${file}`;
          if (got === null) throw new RemoteRefused(`${what} is missing (replaced by a newer push meanwhile?); not installed`);
          const actual = sha256(got);
          if (actual !== sum.sha256 || got.byteLength !== sum.size) throw new RemoteRefused(`${what} has sha256 ${actual} (${got.byteLength} bytes), its pointer says ${sum.sha256} (${sum.size} bytes); not installed`);
          writeAtomic(join(tmp, file), got);
          files++;
          bytes += got.byteLength;
        }
        // The swap checkpoint.ts makes: readers fall back to `.old` between the two renames.
        const dir = join(entryDir, slot);
        const old = `${dir}.old`;
        rmSync(old, { recursive: true, force: true });
        if (existsSync(dir)) renameSync(dir, old);
        renameSync(tmp, dir);
        syncDir(entryDir);
        rmSync(old, { recursive: true, force: true });
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    return { files, bytes };
  }

  /** Removes the checkpoints of `key` from the remote (its entry is complete: nobody resumes it). */
  async dropCheckpoints(key: string): Promise<void> {
    checkKey(key, this.url);
    const names = await this.network('list the checkpoints of', short(key), () => this.objects.list(`stages/${key}/resume/`));
    // Pointers first: a reader never follows one to a removed file.
    names.sort((a, b) => Number(b.endsWith('.json')) - Number(a.endsWith('.json')));
    for (const name of names) await this.network('remove', name, () => this.objects.remove(name));
  }

  private async pointer(key: string, slot: CheckpointSlot): Promise<CheckpointPointer | null> {
    checkKey(key, this.url);
    const bytes = await this.network('read', `${short(key)}/${slot}.json`, () => this.objects.read(`stages/${key}/resume/${slot}.json`));
    return bytes === null ? null : parsePointer(bytes, key, slot, this.url);
  }

  /** Removes the blobs neither pointer names (older checkpoints), when both pointers read. */
  private async dropUnreferencedBlobs(key: string): Promise<void> {
    const kept = new Set<string>();
    for (const slot of CHECKPOINT_SLOTS) {
      try {
        for (const sum of Object.values((await this.pointer(key, slot))?.files ?? {})) kept.add(sum.sha256);
      } catch (e) {
        if (e instanceof RemoteRefused) return;
        throw e;
      }
    }
    const prefix = `stages/${key}/resume/blobs/`;
    for (const name of await this.network('list the checkpoints of', short(key), () => this.objects.list(prefix))) {
      if (!kept.has(name.slice(prefix.length))) await this.network('remove', name, () => this.objects.remove(name));
    }
  }

  /** Runs one request; its failure (the network, the server, permissions) becomes a JobError
   *  naming the remote and the file. */
  private async network<T>(verb: string, file: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (e) {
      if (e instanceof JobError) throw e;
      throw new JobError(`cannot ${verb} ${this.url}${file ? ` ${file}` : ''}: ${describeFailure(e)}`, 'check that the remote is reachable and writable; the local store is unchanged, so the command can be run again');
    }
  }
}

/** A manifest or pointer as uploaded: with the sha256 of the canonical JSON of its fields. */
function sealed<T extends object>(value: T): T & { checksum: string } {
  return { ...value, checksum: sha256(Buffer.from(canonicalJson(value))) };
}

/** The fields of a sealed JSON object whose checksum matches, else a reason. */
function unseal(bytes: Uint8Array): Record<string, unknown> | string {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return 'does not parse (cut short?)';
  }
  if (!isRecord(v)) return 'is not an object';
  const { checksum, ...rest } = v;
  if (typeof checksum !== 'string') return 'has no checksum';
  if (checksum !== sha256(Buffer.from(canonicalJson(rest)))) return 'does not match its own checksum (altered)';
  return rest;
}

function parseManifest(bytes: Uint8Array, key: string, url: string): EntryManifest {
  const what = `${url}: cache entry ${short(key)}: manifest.json`;
  const m = unseal(bytes);
  if (typeof m === 'string') throw new RemoteRefused(`${what} ${m}`);
  if (m.format !== CACHE_FORMAT || m.key !== key) throw new RemoteRefused(`${what} is of another key or format (format ${String(m.format)}, this pipe reads ${CACHE_FORMAT})`);
  const fieldsOk = typeof m.pipeline === 'string' && typeof m.stage === 'string' && typeof m.started === 'string' && typeof m.completed === 'string' && isRecord(m.input) && isRecord(m.files);
  if (!fieldsOk) throw new RemoteRefused(`${what} has a field missing or of the wrong type`);
  for (const [file, sum] of Object.entries(m.files as Record<string, unknown>)) {
    if (!(ENTRY_FILES as readonly string[]).includes(file)) throw new RemoteRefused(`${what} lists '${file}', which is not a file of a cache entry (${ENTRY_FILES.join(', ')}); refused`);
    if (!isFileSum(sum)) throw new RemoteRefused(`${what}: the size or sha256 of ${file} is malformed`);
  }
  return m as unknown as EntryManifest;
}

function parsePointer(bytes: Uint8Array, key: string, slot: CheckpointSlot, url: string): CheckpointPointer {
  const what = `${url}: the ${slot} of cache entry ${short(key)}`;
  const p = unseal(bytes);
  if (typeof p === 'string') throw new RemoteRefused(`${what}: ${slot}.json ${p}`);
  if (p.format !== CACHE_FORMAT || p.key !== key || p.slot !== slot) throw new RemoteRefused(`${what}: ${slot}.json is of another key, slot or format`);
  const progress = p.progress as Record<string, unknown> | undefined;
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!isRecord(progress) || !count(progress.epoch) || !count(progress.step) || !count(progress.globalStep) || !isRecord(p.files)) throw new RemoteRefused(`${what}: ${slot}.json has a field missing or of the wrong type`);
  for (const [file, sum] of Object.entries(p.files)) {
    if (!PLAIN_NAME.test(file)) throw new RemoteRefused(`${what}: ${slot}.json lists '${file}', which is not a plain file name; refused`);
    if (!isFileSum(sum)) throw new RemoteRefused(`${what}: the size or sha256 of ${file} is malformed`);
  }
  if (!('checkpoint.json' in p.files)) throw new RemoteRefused(`${what}: ${slot}.json lists no checkpoint.json`);
  return p as unknown as CheckpointPointer;
}

/** The checkpoint in `dir`, every file read now, each checked against checkpoint.json; null when
 *  there is none or it does not check out (it is then not pushed). */
export function readLocalCheckpoint(dir: string): { files: Map<string, Buffer>; progress: CheckpointProgress } | null {
  let manifestBytes: Buffer;
  let manifest: { state?: Partial<CheckpointProgress>; files?: Record<string, FileSum> };
  try {
    manifestBytes = readFileSync(join(dir, 'checkpoint.json'));
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    return null;
  }
  const { state, files: sums } = manifest;
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!isRecord(state) || !count(state.epoch) || !count(state.step) || !count(state.globalStep) || !isRecord(sums)) return null;
  const files = new Map<string, Buffer>();
  for (const [file, sum] of Object.entries(sums)) {
    if (!PLAIN_NAME.test(file) || !isFileSum(sum)) return null;
    let data: Buffer;
    try {
      data = readFileSync(join(dir, file));
    } catch {
      return null;
    }
    if (sha256(data) !== sum.sha256) return null;
    files.set(file, data);
  }
  files.set('checkpoint.json', manifestBytes);
  return { files, progress: { epoch: state.epoch!, step: state.step!, globalStep: state.globalStep! } };
}

function checkKey(key: string, url: string): void {
  if (!KEY.test(key)) throw new RemoteRefused(`${url}: '${key}' is not a cache key (64 hex characters); refused`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isFileSum(v: unknown): v is FileSum {
  return isRecord(v) && Number.isSafeInteger(v.size) && (v.size as number) >= 0 && typeof v.sha256 === 'string' && SHA256.test(v.sha256);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function short(key: string): string {
  return key.slice(0, 12);
}

/** What went wrong with a request, in one line (the SDK's and Node's errors alike). */
function describeFailure(e: unknown): string {
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err?.$metadata?.httpStatusCode ? ` (HTTP ${err.$metadata.httpStatusCode})` : '';
  const message = err?.message || err?.name || String(e);
  return `${err?.code && !message.includes(err.code) ? `${err.code}: ` : ''}${message}${status}`;
}
