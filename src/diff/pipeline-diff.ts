// `pipe diff A.yaml B.yaml`: what changed between two variants of a pipeline and what it did to
// the results. Each part is computed by its own module; this one composes them.
import { storeHashCache } from '../cache/fingerprint.js';
import type { StageStore } from '../cache/store.js';
import { configChanges, type ConfigChange } from './config.js';
import { graphChanges, type ModelDiff } from './graph.js';
import { resultChanges, type ResultDiff } from './results.js';
import { keysFor, stageChanges, type Keyed, type RunSettings, type StageDiff } from './stages.js';

export interface DiffSide extends Keyed {
  /** As the user named it. */
  readonly file: string;
}

export interface PipelineDiff {
  readonly a: { readonly file: string; readonly name: string };
  readonly b: { readonly file: string; readonly name: string };
  /** (a) */
  readonly config: readonly ConfigChange[];
  /** (b) */
  readonly models: readonly ModelDiff[];
  /** (c), each side keyed for its `settings`. */
  readonly stages: readonly StageDiff[];
  /** Why the data's fingerprints are missing from the keys, if they are. */
  readonly dataNote?: string;
  /** (d) */
  readonly results: readonly ResultDiff[];
  /**
   * The pipelines compute the same things: the same stage keys, stage for stage (names,
   * descriptions and the report section may differ: they are in no key).
   */
  readonly same: boolean;
}

/** `settings` gives each side's: its pipeline may set its own training workers. */
export async function diffPipelines(a: DiffSide, b: DiffSide, store: StageStore, settings: (side: Keyed) => RunSettings): Promise<PipelineDiff> {
  const [ka, kb] = [await keysFor(a, settings(a), storeHashCache(store)), await keysFor(b, settings(b), storeHashCache(store))];
  const stages = stageChanges(ka.keys, kb.keys);
  const both = stages.filter((s) => s.a !== null && s.b !== null).map((s) => s.stage);
  const dataNote = [...new Set([ka.dataNote, kb.dataNote].filter((n) => n !== undefined))].join('; ');
  return {
    a: { file: a.file, name: a.pipeline.name },
    b: { file: b.file, name: b.pipeline.name },
    config: configChanges(a.pipeline, b.pipeline),
    models: graphChanges(a.plan, b.plan),
    stages,
    ...(dataNote ? { dataNote } : {}),
    results: resultChanges(both, ka.keys, kb.keys, store),
    same: stages.every((s) => s.same),
  };
}
