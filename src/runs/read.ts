// One run folder as a RunListing. Never throws: a folder that is not a run of pipe run, or whose
// run.json is damaged, reads as `unreadable` with the reason; a damaged metrics.jsonl line is
// skipped and said in `warnings`. Loads no YAML and no tfjs (a dashboard lists hundreds of runs).
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { EpochRecord } from '../train/loop.js';
import type { SummaryRow } from '../train/summary.js';
import { derivedStatus, HERE, parseStatus, type DerivedStatus, type Here } from './status.js';
import { bestOf, summaryBest } from './metric.js';
import type { RunListing, StageBest } from './types.js';

/** A run.json is a few kilobytes; anything this big is not one. */
const MAX_RUN_JSON = 4 * 2 ** 20;
/** metrics.jsonl grows by an epoch's line (~10 KB with 200 classes): 256 MiB is far past any run. */
const MAX_METRICS = 256 * 2 ** 20;

export function readRun(runDir: string, here: Here = HERE): RunListing {
  const name = basename(runDir);
  try {
    return readRunFolder(runDir, name, here);
  } catch (e) {
    return unreadable(runDir, name, `cannot read it: ${(e as Error)?.message ?? String(e)}`);
  }
}

function readRunFolder(dir: string, name: string, here: Here): RunListing {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) return unreadable(dir, name, 'no such folder');
  if (!st.isDirectory()) return unreadable(dir, name, 'not a folder');
  const run = readRunJson(dir);
  if ('problem' in run) return unreadable(dir, name, run.problem);
  const r = run.value;
  const warnings: string[] = [];
  const epochs = readEpochs(join(dir, 'metrics.jsonl'), warnings);
  const summary = readSummary(join(dir, 'summary.json'), warnings);
  const stages: Record<string, StageBest> = {};
  for (const stage of r.stages) {
    const records = epochs.get(stage);
    const row = summary?.find((s) => s.stage === stage);
    stages[stage] = records?.length ? bestOf(records) : row ? summaryBest(row) : { metric: 'none', goal: 'max', best: null, epochs: 0, planned: null };
  }
  const status = statusOf(r.status, summary, here);
  const backend = typeof r.backend?.kind === 'string' && r.backend.kind !== '' ? r.backend.kind : undefined;
  return {
    dir,
    name,
    pipeline: r.pipeline,
    started: r.started,
    ...status,
    stages,
    ...(backend ? { backend } : {}),
    ...(r.provenance !== undefined ? { provenance: r.provenance as RunListing['provenance'] } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
}

interface RunJson {
  readonly pipeline: string;
  readonly started: string;
  readonly stages: readonly string[];
  readonly status?: unknown;
  readonly backend?: { readonly kind?: unknown };
  readonly provenance?: unknown;
}

function readRunJson(dir: string): { value: RunJson } | { problem: string } {
  const file = join(dir, 'run.json');
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) return { problem: 'no run.json: not a run folder of pipe run' };
  if (!st.isFile()) return { problem: 'run.json is not a file' };
  if (st.size > MAX_RUN_JSON) return { problem: `run.json is ${st.size} bytes: too large for a run record (damaged?)` };
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // V8's wording changes between Node versions; ours does not.
    return { problem: 'run.json is damaged: not valid JSON (cut short?)' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { problem: 'run.json is damaged: not a JSON object' };
  const o = v as Record<string, unknown>;
  if (typeof o.pipeline !== 'string' || o.pipeline === '') return { problem: "run.json is damaged: no 'pipeline' name" };
  if (typeof o.started !== 'string' || Number.isNaN(Date.parse(o.started))) return { problem: "run.json is damaged: 'started' is not a time" };
  if (!Array.isArray(o.stages) || !o.stages.every((s) => typeof s === 'string')) return { problem: "run.json is damaged: 'stages' is not a list of names" };
  const backend = o.backend !== null && typeof o.backend === 'object' ? (o.backend as RunJson['backend']) : undefined;
  return { value: { pipeline: o.pipeline, started: new Date(o.started).toISOString(), stages: o.stages as string[], status: o.status, backend, provenance: o.provenance } };
}

/** The recorded status, or for a folder of a pipe older than the record, what its files say. */
function statusOf(recorded: unknown, summary: readonly SummaryRow[] | null, here: Here): DerivedStatus | { status: 'unreadable'; reason: string } {
  if (recorded === undefined) {
    // summary.json is written when a run ends, done or stopped (Ctrl-C); a crash leaves none.
    if (summary === null) return { status: 'stopped', reason: 'no status recorded (an older pipe) and no summary: it did not end' };
    return summary.some((row) => row.stopped === 'interrupted') ? { status: 'stopped', reason: 'no status recorded (an older pipe); a stage was interrupted' } : { status: 'done' };
  }
  const parsed = parseStatus(recorded);
  if ('problem' in parsed) return { status: 'unreadable', reason: `run.json is damaged: ${parsed.problem}` };
  return derivedStatus(parsed.record, here);
}

/** Each stage's epochs in order; a resumed run that wrote an epoch twice keeps the last. */
function readEpochs(file: string, warnings: string[]): Map<string, EpochRecord[]> {
  const byStage = new Map<string, Map<number, EpochRecord>>();
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) return new Map();
  if (!st.isFile() || st.size > MAX_METRICS) {
    warnings.push(`metrics.jsonl not read: ${st.isFile() ? `${st.size} bytes` : 'not a file'}`);
    return new Map();
  }
  let damaged = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const r = parseEpoch(line);
    if (r === null) {
      damaged++;
      continue;
    }
    if (!byStage.has(r.stage)) byStage.set(r.stage, new Map());
    byStage.get(r.stage)!.set(r.epoch, r);
  }
  if (damaged) warnings.push(`metrics.jsonl: ${damaged} damaged line${damaged === 1 ? '' : 's'} skipped`);
  return new Map([...byStage].map(([stage, m]) => [stage, [...m.values()].sort((a, b) => a.epoch - b.epoch)]));
}

function parseEpoch(line: string): EpochRecord | null {
  try {
    const r = JSON.parse(line) as Partial<EpochRecord> | null;
    if (r === null || typeof r !== 'object' || typeof r.stage !== 'string' || !Number.isSafeInteger(r.epoch)) return null;
    return r as EpochRecord;
  } catch {
    return null;
  }
}

function readSummary(file: string, warnings: string[]): SummaryRow[] | null {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) return null;
  try {
    if (st.size > MAX_RUN_JSON) throw new Error(`${st.size} bytes`);
    const rows = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (Array.isArray(rows) && rows.every((r) => r !== null && typeof r === 'object' && typeof (r as SummaryRow).stage === 'string')) return rows as SummaryRow[];
    throw new Error('not a list of stage rows');
  } catch (e) {
    warnings.push(`summary.json is damaged: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

function unreadable(dir: string, name: string, reason: string): RunListing {
  let started = new Date(0).toISOString();
  try {
    started = statSync(dir).mtime.toISOString();
  } catch {
    // gone, or not ours to read: the epoch
  }
  return { dir, name, pipeline: name.replace(/-\d{8}-\d{6}(-\d+)?$/, ''), started, status: 'unreadable', reason, stages: {} };
}
