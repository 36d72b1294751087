// A run's folder, outputs/runs/<pipeline>-<time>/: what one `pipe run` did, readable without the
// store. pipeline.yaml (resolved), run.json (backend, stages, their keys, status, provenance),
// run.log (what the console showed), stages.json (each
// stage's key and key input, which --resume compares), metrics.jsonl (every epoch of every
// stage, reused ones included), summary.md/json, and per stage a copy of its model, result and
// predictions from the store. Loads no tfjs: a run whose stages are all cached never starts one.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedPipeline } from '../config/types.js';
import { InputError } from '../errors.js';
import { changedKeyFields, type StageKey } from '../cache/key.js';
import { writeAtomic } from '../cache/files.js';
import { ENTRY_FILES } from '../cache/store.js';
import type { SkippedImage } from '../data/decode.js';
import type { EpochRecord, StageResult } from './loop.js';
import type { Provenance } from './provenance.js';
import { runningStatus, updateRunJson } from './run-status.js';
import { summaryTable, type SummaryRow } from './summary.js';

export interface RunInfo {
  readonly pipeline: string;
  readonly stages: readonly string[];
  readonly backend: { readonly kind: string; readonly versions: Readonly<Record<string, string>>; readonly details: Readonly<Record<string, string>> };
  /** Training workers and data loader threads the run used. */
  readonly workers: number;
  readonly loaderWorkers: number;
  /** Where the run came from (provenance.ts); absent when the caller did not collect it. */
  readonly provenance?: Provenance;
}

/** Creates (or reopens, for --resume) a run folder and writes what it is. */
export async function openRunDir(p: ResolvedPipeline, keys: Readonly<Record<string, StageKey>>, info: RunInfo, at: { outputs: string; now: Date; resume?: string }): Promise<string> {
  const dir = at.resume ?? freshRunDir(join(at.outputs, 'runs'), `${p.name}-${stamp(at.now)}`);
  mkdirSync(dir, { recursive: true });
  // js-yaml, already loaded to read the pipeline: `yaml` would add a tenth of a cached run's time.
  const { dump } = await import('js-yaml');
  writeFileSync(join(dir, 'pipeline.yaml'), dump(p, { lineWidth: -1, noRefs: true, skipInvalid: true }));
  const stageKeys = Object.fromEntries(info.stages.map((s) => [s, keys[s].key]));
  const started = new Date();
  // Written atomically, as every later change of it: pipe runs and pipe serve read it while the run goes on.
  writeAtomic(join(dir, 'run.json'), Buffer.from(JSON.stringify({ ...info, keys: stageKeys, started: started.toISOString(), node: process.version, status: runningStatus(started) }, null, 2) + '\n'));
  writeFileSync(join(dir, 'stages.json'), JSON.stringify(Object.fromEntries(info.stages.map((s) => [s, keys[s]])), null, 2));
  return dir;
}

/** The files openRunDir, writeMetrics and writeSummary put at a run folder's top. */
const RUN_FILES = ['pipeline.yaml', 'run.json', 'run.log', 'stages.json', 'metrics.jsonl', 'summary.json', 'summary.md', 'skipped.json'];

/** Removes the folder of a run that ended before any stage trained an epoch or was reused (it
 *  was refused: bad data, a lock held by another run...), so refused runs leave no empty run
 *  folders. Only pipe's own files go; a folder holding anything else stays. Never throws: it runs
 *  while the error that refused the run is on its way to the user. */
export function discardIfEmpty(dir: string): boolean {
  try {
    const metrics = statSync(join(dir, 'metrics.jsonl'), { throwIfNoEntry: false });
    const entries = readdirSync(dir);
    if ((metrics && metrics.size > 0) || entries.some((e) => !RUN_FILES.includes(e))) return false;
    for (const f of entries) rmSync(join(dir, f), { force: true });
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** skipped.json: per split, the files `on_bad_image: skip` left out, with the decoder's reason. */
export function writeSkipped(dir: string, split: string, files: readonly SkippedImage[]): void {
  const file = join(dir, 'skipped.json');
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // none yet (or damaged: rewritten whole)
  }
  all[split] = files.map(({ file: f, reason }) => ({ file: f, reason }));
  writeAtomic(file, Buffer.from(JSON.stringify(all, null, 2) + '\n'));
}

/** Records the backend once it has started (a run folder is opened before any backend is). */
export function recordBackend(dir: string, backend: RunInfo['backend']): void {
  updateRunJson(dir, { backend });
}

/** The keys a run folder was made with (for --resume). */
export function recordedKeys(dir: string): Record<string, StageKey> {
  const file = join(dir, 'stages.json');
  if (!existsSync(join(dir, 'pipeline.yaml'))) throw new InputError([{ message: `${dir} is not a run folder of pipe run (no pipeline.yaml)` }]);
  if (!existsSync(file)) throw new InputError([{ message: `${dir} was made by an older pipe (no stages.json): it cannot be resumed`, hint: 'run the pipeline afresh' }]);
  try {
    const keys = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (keys !== null && typeof keys === 'object' && !Array.isArray(keys)) return keys as Record<string, StageKey>;
  } catch {
    // reported below
  }
  throw new InputError([{ message: `${file} is damaged (not a JSON object of stage keys): the run cannot be resumed`, hint: 'run the pipeline afresh' }]);
}

/** Stages whose key changed since the run was made, with the fields that changed. */
export function changedStages(before: Readonly<Record<string, StageKey>>, now: Readonly<Record<string, StageKey>>, stages: readonly string[]): { stage: string; fields: string[] }[] {
  return stages
    .filter((s) => before[s] && before[s].key !== now[s].key)
    .map((s) => ({ stage: s, fields: changedKeyFields(before[s].input, now[s].input) }));
}

/** Copies a stage's artifacts from its store entry into the run folder; returns its result. */
export function copyStage(entryDir: string, runDir: string, stage: string): StageResult {
  const to = join(runDir, stage);
  mkdirSync(to, { recursive: true });
  for (const f of ENTRY_FILES) if (existsSync(join(entryDir, f))) copyFileSync(join(entryDir, f), join(to, f));
  return JSON.parse(readFileSync(join(entryDir, 'result.json'), 'utf8')) as StageResult;
}

/** The run's metrics.jsonl, rewritten whole: every epoch of the stages so far (reused, resumed
 *  and trained alike), so a resumed or re-entered run never holds an epoch twice. */
export function writeMetrics(runDir: string, records: readonly EpochRecord[]): void {
  writeAtomic(join(runDir, 'metrics.jsonl'), Buffer.from(records.map((r) => JSON.stringify(r) + '\n').join('')));
}

export function writeSummary(dir: string, rows: readonly SummaryRow[]): void {
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(rows, null, 2));
  writeFileSync(join(dir, 'summary.md'), summaryTable(rows));
}

/** The stages asked for and everything they need, in run order. */
export function stagesToRun(p: ResolvedPipeline, wanted: readonly string[]): string[] {
  const all = Object.keys(p.stages);
  if (wanted.length === 0) return all;
  const keep = new Set<string>();
  const visit = (s: string) => {
    if (keep.has(s)) return;
    keep.add(s);
    p.stages[s].needs.forEach(visit);
  };
  wanted.forEach(visit);
  return all.filter((s) => keep.has(s));
}

/** A new folder: two runs started in the same second get `-2`, `-3`, never each other's files. */
function freshRunDir(parent: string, base: string): string {
  mkdirSync(parent, { recursive: true });
  for (let k = 1; ; k++) {
    const dir = join(parent, k === 1 ? base : `${base}-${k}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
