// The content-addressed stage store: outputs/cache/stages/<key>/ holds what a stage produced
// (model.json, weights.bin, result.json, metrics.jsonl, predictions.json) and, while and after it
// trains, its checkpoints (checkpoint/ = the last, best/ = the best epoch's). Two small files say
// what an entry is:
//   started.json   written when training starts: the key's input, pipeline, stage (a partial entry)
//   manifest.json  written last, when the stage is complete: the same plus every file's size and
//                  sha256. An entry is only ever used whole, after every checksum matched.
// A damaged entry is reported, removed and recomputed, never used. A damaged started.json
// (truncated, empty, not an object, fields of the wrong type) is reported and written again: the
// entry's checkpoints still belong to its key. An entry removed while its stage trains is opened
// again when the stage seals it. Temporaries a killed writer left (`*.tmp-<pid>`) are removed
// when the entry is next opened and by `pipe cache gc` (files.ts, removeStaleTemporaries).
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileSum, removeStaleTemporaries, sumProblem, writeAtomic, type FileSum } from './files.js';
import { CACHE_FORMAT, type StageKeyInput } from './key.js';

/** The files a complete entry holds (predictions.json only for classifiers with val data,
 *  skipped.json only when `on_bad_image: skip` left files of its splits out). */
export const ENTRY_FILES = ['model.json', 'weights.bin', 'result.json', 'metrics.jsonl', 'predictions.json', 'skipped.json'] as const;

export interface EntryInfo {
  readonly format: number;
  readonly key: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly input: StageKeyInput;
  readonly started: string;
}

export interface EntryManifest extends EntryInfo {
  readonly completed: string;
  readonly files: Readonly<Record<string, FileSum>>;
}

export interface ListedEntry {
  readonly key: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly bytes: number;
  /** When it was last written. */
  readonly modified: Date;
  readonly complete: boolean;
}

export type Warn = (message: string) => void;

export class StageStore {
  constructor(
    readonly root: string,
    readonly warn: Warn,
  ) {}

  static at(outputs: string, warn: Warn): StageStore {
    return new StageStore(join(outputs, 'cache', 'stages'), warn);
  }

  dir(key: string): string {
    return join(this.root, key);
  }

  lockPath(key: string): string {
    return join(this.root, `${key}.lock`);
  }

  /** The entry of `key` if it is complete and every file matches its checksum; a damaged one is
   *  reported and removed (so the stage is computed again). */
  complete(key: string): EntryManifest | null {
    const manifest = this.manifest(key);
    if (manifest === null) return null;
    for (const [file, sum] of Object.entries(manifest.files)) {
      const problem = sumProblem(join(this.dir(key), file), sum);
      if (problem !== null) {
        this.warn(`cache entry ${key.slice(0, 12)} (${manifest.pipeline}, stage ${manifest.stage}): ${file} ${problem}; removing the entry and computing the stage again`);
        this.remove(key);
        return null;
      }
    }
    return manifest;
  }

  /** What `started.json` says of a partial (or complete) entry; null when there is none. */
  info(key: string): EntryInfo | null {
    return readInfo(join(this.dir(key), 'started.json'), key) ?? this.manifest(key);
  }

  /** Opens an entry for training (the caller holds its lock): its folder and started.json, written
   *  again when damaged; temporaries of writers that died are removed. */
  begin(key: string, info: NewEntry): string {
    const dir = this.dir(key);
    mkdirSync(dir, { recursive: true });
    removeStaleTemporaries(dir);
    this.started(key, info, null);
    return dir;
  }

  /** Seals a finished entry: checksums its files and writes manifest.json last. An entry removed
   *  while its stage trained (`pipe cache rm`, a hand) is opened again first. */
  seal(key: string, entry: NewEntry): EntryManifest {
    const dir = this.dir(key);
    mkdirSync(dir, { recursive: true });
    const info = this.started(key, entry, 'was removed while its stage trained');
    const files: Record<string, FileSum> = {};
    for (const f of ENTRY_FILES) if (existsSync(join(dir, f))) files[f] = fileSum(join(dir, f));
    const manifest: EntryManifest = { ...info, completed: new Date().toISOString(), files };
    writeAtomic(join(dir, 'manifest.json'), Buffer.from(JSON.stringify(manifest, null, 2)));
    return manifest;
  }

  remove(key: string): void {
    // The manifest goes first: a reader never takes a half-deleted entry for a complete one.
    const dir = this.dir(key);
    if (!existsSync(dir)) return;
    rmSync(join(dir, 'manifest.json'), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }

  /** started.json of the entry, written (again) when missing or damaged; `missing` says why an
   *  entry should have had one (null: a new entry). */
  private started(key: string, entry: NewEntry, missing: string | null): EntryInfo {
    const file = join(this.dir(key), 'started.json');
    const found = readInfo(file, key);
    if (found) return found;
    const which = `cache entry ${key.slice(0, 12)} (${entry.pipeline}, stage ${entry.stage})`;
    if (existsSync(file)) this.warn(`${which}: started.json is damaged (unreadable, or fields missing or of the wrong type); writing it again`);
    else if (missing !== null) this.warn(`${which} ${missing}; writing it again`);
    const started: EntryInfo = { format: CACHE_FORMAT, key, ...entry, started: new Date().toISOString() };
    writeAtomic(file, Buffer.from(JSON.stringify(started, null, 2)));
    return started;
  }

  list(): ListedEntry[] {
    if (!existsSync(this.root)) return [];
    const out: ListedEntry[] = [];
    for (const key of readdirSync(this.root)) {
      const dir = join(this.root, key);
      if (!/^[0-9a-f]{64}$/.test(key) || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
      const manifest = this.manifest(key);
      const info = manifest ?? readInfo(join(dir, 'started.json'), key);
      const { bytes, modified } = usage(dir);
      out.push({ key, pipeline: info?.pipeline ?? '?', stage: info?.stage ?? '?', bytes, modified, complete: manifest !== null });
    }
    return out.sort((a, b) => b.modified.getTime() - a.modified.getTime());
  }

  private manifest(key: string): EntryManifest | null {
    const file = join(this.dir(key), 'manifest.json');
    if (!existsSync(file)) return null;
    const m = readInfo(file, key) as EntryManifest | null;
    if (m === null || !isRecord(m.files) || !Object.values(m.files).every(isFileSum)) {
      this.warn(`cache entry ${key.slice(0, 12)}: manifest.json is unreadable or of another format; removing the entry`);
      this.remove(key);
      return null;
    }
    return m;
  }
}

/** What begin() needs to write started.json. */
export type NewEntry = Omit<EntryInfo, 'format' | 'key' | 'started'>;

/** started.json (or the same fields of manifest.json) of entry `key`; null when absent, when it
 *  does not parse, or when a field is missing or of the wrong type. */
function readInfo(file: string, key: string): EntryInfo | null {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (!isRecord(v) || v.format !== CACHE_FORMAT || v.key !== key) return null;
  const ok = typeof v.pipeline === 'string' && typeof v.stage === 'string' && typeof v.started === 'string' && isRecord(v.input);
  return ok ? (v as unknown as EntryInfo) : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isFileSum(v: unknown): v is FileSum {
  return isRecord(v) && Number.isSafeInteger(v.size) && typeof v.sha256 === 'string';
}

function usage(dir: string): { bytes: number; modified: Date } {
  let bytes = 0;
  let modified = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        // lstat: a link (even a dangling one) counts as itself, never as its target.
        const st = lstatSync(p);
        bytes += st.size;
        modified = Math.max(modified, st.mtimeMs);
      }
    }
  };
  walk(dir);
  return { bytes, modified: new Date(modified) };
}
