// The content-addressed stage store: outputs/cache/stages/<key>/ holds what a stage produced
// (model.json, weights.bin, result.json, metrics.jsonl, predictions.json) and, while and after it
// trains, its checkpoints (checkpoint/ = the last, best/ = the best epoch's). Two small files say
// what an entry is:
//   started.json   written when training starts: the key's input, pipeline, stage (a partial entry)
//   manifest.json  written last, when the stage is complete: the same plus every file's size and
//                  sha256. An entry is only ever used whole, after every checksum matched.
// A damaged entry is reported, removed and recomputed, never used.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileSum, sumProblem, writeAtomic, type FileSum } from './files.js';
import { CACHE_FORMAT, type StageKeyInput } from './key.js';

/** The files a complete entry holds (predictions.json only for classifiers with val data). */
export const ENTRY_FILES = ['model.json', 'weights.bin', 'result.json', 'metrics.jsonl', 'predictions.json'] as const;

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
    private readonly warn: Warn,
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
    return readJson<EntryInfo>(join(this.dir(key), 'started.json')) ?? this.manifest(key);
  }

  /** Opens an entry for training: its folder and started.json. */
  begin(key: string, info: Omit<EntryInfo, 'format' | 'key' | 'started'>): string {
    const dir = this.dir(key);
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'started.json'))) {
      const started: EntryInfo = { format: CACHE_FORMAT, key, ...info, started: new Date().toISOString() };
      writeAtomic(join(dir, 'started.json'), Buffer.from(JSON.stringify(started, null, 2)));
    }
    return dir;
  }

  /** Seals a finished entry: checksums its files and writes manifest.json last. */
  seal(key: string): EntryManifest {
    const dir = this.dir(key);
    const info = readJson<EntryInfo>(join(dir, 'started.json'));
    if (info === null) throw new Error(`cache entry ${key}: started.json is missing`);
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

  list(): ListedEntry[] {
    if (!existsSync(this.root)) return [];
    const out: ListedEntry[] = [];
    for (const key of readdirSync(this.root)) {
      const dir = join(this.root, key);
      if (!/^[0-9a-f]{64}$/.test(key) || !statSync(dir).isDirectory()) continue;
      const manifest = this.manifest(key);
      const info = manifest ?? readJson<EntryInfo>(join(dir, 'started.json'));
      const { bytes, modified } = usage(dir);
      out.push({ key, pipeline: info?.pipeline ?? '?', stage: info?.stage ?? '?', bytes, modified, complete: manifest !== null });
    }
    return out.sort((a, b) => b.modified.getTime() - a.modified.getTime());
  }

  private manifest(key: string): EntryManifest | null {
    const file = join(this.dir(key), 'manifest.json');
    if (!existsSync(file)) return null;
    const m = readJson<EntryManifest>(file);
    if (m === null || m.format !== CACHE_FORMAT || m.key !== key || typeof m.files !== 'object') {
      this.warn(`cache entry ${key.slice(0, 12)}: manifest.json is unreadable or of another format; removing the entry`);
      this.remove(key);
      return null;
    }
    return m;
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function usage(dir: string): { bytes: number; modified: Date } {
  let bytes = 0;
  let modified = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        bytes += st.size;
        modified = Math.max(modified, st.mtimeMs);
      }
    }
  };
  walk(dir);
  return { bytes, modified: new Date(modified) };
}
