// Part (d) of `pipe diff`: where the stage store holds a result for a stage under A's key and
// under B's, the final and best metrics side by side, and the classes whose accuracy moved most.
import type { StageKey, StageKeyInput } from '../cache/key.js';
import type { StageStore } from '../cache/store.js';
import { classScores, type ClassScore } from '../report/classes.js';
import { readStageFiles, type StageFiles } from '../report/run-folder.js';
import type { EpochRecord } from '../train/loop.js';
import { runFreeKeys } from './run-free-key.js';

export interface MetricRow {
  readonly metric: string;
  readonly final: { readonly a: number | null; readonly b: number | null };
  readonly best: { readonly a: number | null; readonly b: number | null };
}

export interface ClassMove {
  readonly name: string;
  /** Accuracy in A and B, in [0, 1]. */
  readonly a: number;
  readonly b: number;
}

export interface ResultDiff {
  readonly stage: string;
  /** Where each side's result was found: its key, and the backend and workers it was made with. */
  readonly a: FoundAt;
  readonly b: FoundAt;
  /** The same key: one stored result serves both, nothing to compare. */
  readonly sameEntry: boolean;
  readonly metrics: readonly MetricRow[];
  readonly classes: readonly ClassMove[];
}

export interface FoundAt {
  readonly key: string;
  readonly backend: string;
  readonly workers: number | null;
}

/** How many classes `pipe diff` lists. */
const MOVED = 5;

const METRICS: readonly { name: string; of: (e: EpochRecord) => number | null | undefined; lower: boolean }[] = [
  { name: 'val_top1', of: (e) => e.val?.top1, lower: false },
  { name: 'val_top5', of: (e) => e.val?.top5, lower: false },
  { name: 'val_loss', of: (e) => e.val?.loss, lower: true },
  { name: 'train_top1', of: (e) => e.train?.top1, lower: false },
  { name: 'train_loss', of: (e) => e.train?.loss, lower: true },
];

/**
 * A stage's result: the entry of its own key, else the newest complete entry whose key asks for
 * the same computation run another way (run-free-key.ts), so a result made elsewhere counts.
 */
export function resultChanges(stages: readonly string[], a: Readonly<Record<string, StageKey>>, b: Readonly<Record<string, StageKey>>, store: StageStore): ResultDiff[] {
  let stored: { key: string; input: StageKeyInput }[] | null = null;
  let runFree: ((key: string) => string) | null = null;
  const find = (k: StageKey | undefined): { at: FoundAt; files: StageFiles } | null => {
    if (!k) return null;
    let hit: { key: string; input: StageKeyInput } | undefined = store.complete(k.key) ? k : undefined;
    if (!hit) {
      // The store is read, and run-free keys made, only when some stage's own key is not there.
      stored ??= storedInputs(store);
      runFree ??= runFreeKeys(new Map([...stored, ...Object.values(a), ...Object.values(b)].map((e) => [e.key, e.input])));
      const want = runFree(k.key);
      hit = stored.find((e) => runFree!(e.key) === want && store.complete(e.key));
    }
    if (!hit) return null;
    const workers = (hit.input as { workers?: number | null }).workers ?? null;
    return { at: { key: hit.key, backend: hit.input.backend, workers }, files: readStageFiles(store.dir(hit.key), `cache entry ${hit.key.slice(0, 12)}`) };
  };
  const out: ResultDiff[] = [];
  for (const stage of stages) {
    const [ra, rb] = [find(a[stage]), find(b[stage])];
    if (ra && rb) out.push(compareResults(stage, ra, rb));
  }
  return out;
}

/** One stage's results side by side, wherever each was found (the store, or a run folder's copy:
 *  `pipe serve` compares runs by their own folders, without touching the store). */
export function compareResults(stage: string, a: { at: FoundAt; files: StageFiles }, b: { at: FoundAt; files: StageFiles }): ResultDiff {
  const sameEntry = a.at.key === b.at.key;
  return { stage, a: a.at, b: b.at, sameEntry, metrics: sameEntry ? [] : metricRows(a.files, b.files), classes: sameEntry ? [] : classMoves(a.files, b.files) };
}

/** The key inputs of every entry in the store (partial ones too: a stage's upstream may be one), newest first. */
function storedInputs(store: StageStore): { key: string; input: StageKeyInput }[] {
  return store.list().flatMap((e) => {
    const input = store.info(e.key)?.input;
    return input ? [{ key: e.key, input }] : [];
  });
}

function metricRows(a: StageFiles, b: StageFiles): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const m of METRICS) {
    const values = (f: StageFiles) => f.epochs.map(m.of).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const [va, vb] = [values(a), values(b)];
    if (!va.length && !vb.length) continue;
    const best = (v: number[]) => (v.length ? (m.lower ? Math.min(...v) : Math.max(...v)) : null);
    rows.push({ metric: m.name, final: { a: va.at(-1) ?? null, b: vb.at(-1) ?? null }, best: { a: best(va), b: best(vb) } });
  }
  return rows;
}

/** Classes paired by name, largest change first (ties: the order of A's classes). */
function classMoves(a: StageFiles, b: StageFiles): ClassMove[] {
  const sa = classScores(null, a.epochs, a.predictions);
  const sb = classScores(null, b.epochs, b.predictions);
  if (!sa || !sb) return [];
  const inB = new Map(sb.map((c) => [c.name, c]));
  const pairs = sa.flatMap((c) => (inB.has(c.name) && c.count > 0 && inB.get(c.name)!.count > 0 ? [[c, inB.get(c.name)!] as [ClassScore, ClassScore]] : []));
  return pairs
    .map(([x, y]) => ({ name: x.name, a: x.accuracy, b: y.accuracy }))
    .filter((m) => m.a !== m.b)
    .sort((p, q) => Math.abs(q.b - q.a) - Math.abs(p.b - p.a))
    .slice(0, MOVED);
}
