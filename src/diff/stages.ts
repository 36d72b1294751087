// Part (c) of `pipe diff`: per stage, whether A and B give it the same content key (cache/key.ts),
// so the stored result of one serves the other, or it reruns, and which key fields cause that.
import { fingerprints } from '../cache/fingerprint.js';
import type { HashCacheOptions } from '../data/file-hashes.js';
import { changedKeyFields, stageKeys, type StageKey } from '../cache/key.js';
import type { ResolvedPipeline, SplitName } from '../config/types.js';
import { InputError } from '../errors.js';
import type { GraphPlan } from '../graph/analyze.js';

export interface StageDiff {
  readonly stage: string;
  /** The stage's key in A and B; null where the pipeline has no such stage. */
  readonly a: string | null;
  readonly b: string | null;
  readonly same: boolean;
  /** The key fields that differ (`optimizer`, `graphs.head.nodes.hidden`, `init`, ...). */
  readonly fields: readonly string[];
}

export interface Keyed {
  readonly pipeline: ResolvedPipeline;
  readonly plan: GraphPlan;
}

/** What a key holds beyond the pipeline: the backend (backends round differently) and the run's training workers. */
export interface RunSettings {
  readonly backend: string;
  readonly workers: number;
}

/**
 * Every stage's key. The data's fingerprints need the data set listed; where it cannot be, both
 * sides get the same stand-in, so the comparison holds but no stored result matches (the note
 * says so).
 */
export async function keysFor(side: Keyed, settings: RunSettings, hashes?: HashCacheOptions): Promise<{ keys: Record<string, StageKey>; dataNote?: string }> {
  let prints: Partial<Record<SplitName, string>>;
  let dataNote: string | undefined;
  try {
    prints = await fingerprints(side.pipeline, hashes);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    prints = {};
    dataNote = `${e.message}: the data set cannot be listed, so its fingerprint is left out of the keys and no stored result matches them`;
  }
  const fingerprint = (split: SplitName) => prints[split] ?? `unlisted ${side.pipeline.dataset.root} ${split}`;
  // Not a literal: the key context may ask for more than these (it is the cache's to define).
  const ctx = { ...settings, fingerprint };
  return { keys: stageKeys(side.pipeline, side.plan, ctx), ...(dataNote ? { dataNote } : {}) };
}

export function stageChanges(a: Readonly<Record<string, StageKey>>, b: Readonly<Record<string, StageKey>>): StageDiff[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return names.map((stage) => {
    const [ka, kb] = [a[stage], b[stage]];
    if (!ka || !kb) return { stage, a: ka?.key ?? null, b: kb?.key ?? null, same: false, fields: [`only in ${ka ? 'A' : 'B'}`] };
    return { stage, a: ka.key, b: kb.key, same: ka.key === kb.key, fields: ka.key === kb.key ? [] : changedKeyFields(ka.input, kb.input) };
  });
}
