// Part (d) of `pipe diff`: where the stage store holds a result for a stage under A's key and
// under B's, the final and best metrics side by side, and the classes whose accuracy moved most.
import type { StageStore } from '../cache/store.js';
import { classScores, type ClassScore } from '../report/classes.js';
import { readStageFiles, type StageFiles } from '../report/run-folder.js';
import type { EpochRecord } from '../train/loop.js';
import type { KeysFor } from './stages.js';

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
  /** Where each side's result was found: its key and the backend it was made on. */
  readonly a: { readonly key: string; readonly backend: string };
  readonly b: { readonly key: string; readonly backend: string };
  /** The same key: one stored result serves both, nothing to compare. */
  readonly sameEntry: boolean;
  readonly metrics: readonly MetricRow[];
  readonly classes: readonly ClassMove[];
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

/** `backends`: the one asked for first; a result made on any of them counts. */
export function resultChanges(stages: readonly string[], a: KeysFor, b: KeysFor, store: StageStore, backends: readonly string[]): ResultDiff[] {
  const out: ResultDiff[] = [];
  for (const stage of stages) {
    const found = (keys: KeysFor) => {
      for (const backend of backends) {
        const key = keys(backend)[stage]?.key;
        if (key && store.complete(key)) return { key, backend, files: readStageFiles(store.dir(key), stage, `cache entry ${key.slice(0, 12)}`) };
      }
      return null;
    };
    const [ra, rb] = [found(a), found(b)];
    if (!ra || !rb) continue;
    const sameEntry = ra.key === rb.key;
    out.push({
      stage,
      a: { key: ra.key, backend: ra.backend },
      b: { key: rb.key, backend: rb.backend },
      sameEntry,
      metrics: sameEntry ? [] : metricRows(ra.files, rb.files),
      classes: sameEntry ? [] : classMoves(ra.files, rb.files),
    });
  }
  return out;
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
