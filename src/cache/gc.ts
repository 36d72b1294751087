// What `pipe cache gc` removes. An entry is kept while a run folder under outputs/runs names its
// key (run.json), so every run's results stay reproducible from the store and an interrupted
// run can still resume; --keep-last N also caps each (pipeline, stage) at its N newest entries,
// referenced or not. An entry whose lock is held (a run is training it) is never touched.
// Decoded splits (outputs/cache/data) go when no kept entry reads them: an entry's key input
// holds the fingerprint of every split it reads, a decoded split lists the fingerprints it was
// loaded for (src/data/cache.ts). A locked entry's splits are kept, so data a running stage
// reads stays. Temporaries of writers that died (a kill mid-write) go too.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeCache, type ListedDecode } from '../data/cache.js';
import { hashCacheIn } from '../data/file-hashes.js';
import { staleTemporaries, type StaleTemporary } from './files.js';
import type { ListedEntry, StageStore } from './store.js';

export interface GcPlan {
  readonly remove: readonly ListedEntry[];
  readonly keep: readonly ListedEntry[];
  /** Decoded splits no kept entry reads. */
  readonly data: readonly ListedDecode[];
  /** Temporaries of dead writers, in the kept entries, the decoded-data folder and the stat
   *  cache of the data files' hashes. */
  readonly temporaries: readonly StaleTemporary[];
}

/** The decoded-data cache of an outputs folder (as a run opens it). */
export function dataCache(outputs: string): DecodeCache {
  return new DecodeCache(join(outputs, 'cache', 'data'), () => {});
}

export function planGc(store: StageStore, outputs: string, keepLast: number | null): GcPlan {
  const referenced = referencedKeys(join(outputs, 'runs'));
  const entries = store.list();
  const seen = new Map<string, number>();
  const remove: ListedEntry[] = [];
  const keep: ListedEntry[] = [];
  // list() is newest first, so the count per (pipeline, stage) ranks entries by age.
  for (const e of entries) {
    const group = `${e.pipeline}\u0000${e.stage}`;
    const rank = (seen.get(group) ?? 0) + 1;
    seen.set(group, rank);
    const locked = existsSync(store.lockPath(e.key));
    const tooOld = keepLast !== null && rank > keepLast;
    if (!locked && (tooOld || !referenced.has(e.key))) remove.push(e);
    else keep.push(e);
  }
  const used = new Set(keep.flatMap((e) => Object.values(store.info(e.key)?.input.data ?? {})));
  const decoded = dataCache(outputs);
  const data = decoded.list().filter((d) => !d.fingerprints.some((f) => used.has(f)));
  const temporaries = [...keep.flatMap((e) => staleTemporaries(store.dir(e.key))), ...staleTemporaries(decoded.dir), ...staleTemporaries(hashCacheIn(outputs))];
  return { remove, keep, data, temporaries };
}

/** Every stage key some run folder records. */
export function referencedKeys(runs: string): Set<string> {
  const keys = new Set<string>();
  if (!existsSync(runs)) return keys;
  for (const run of readdirSync(runs)) {
    try {
      const info = JSON.parse(readFileSync(join(runs, run, 'run.json'), 'utf8')) as { keys?: Record<string, string> };
      for (const k of Object.values(info.keys ?? {})) keys.add(k);
    } catch {
      // Not a run folder, or one being written: it names no keys.
    }
  }
  return keys;
}
