// Before a run: every stage's content key, and what --resume and --warm-start mean for them.
// Loads no tfjs (see run.ts): keys decide whether anything needs to train at all.
import { createHash } from 'node:crypto';
import type { ResolvedPipeline, SplitName } from '../config/types.js';
import type { HashCacheOptions } from '../data/file-hashes.js';
import type { SplitListing } from '../data/readers/reader.js';
import { InputError } from '../errors.js';
import { fingerprints, listUsedSplits, NO_HASH_CACHE, storeHashCache, usedSplits } from '../cache/fingerprint.js';
import { stageKeys, type StageKey } from '../cache/key.js';
import type { StageStore } from '../cache/store.js';
import type { GraphPlan } from '../graph/analyze.js';
import { CorruptCheckpoint, readCheckpoint, type Checkpoint } from './checkpoint.js';
import { changedStages, recordedKeys, stagesToRun } from './run-dir.js';
import { readWeights } from './weights.js';
import { checkBudget, imageCounts } from './budget.js';
import { checkClassesBeforeTraining } from './class-check.js';
import { checkLrPlans } from './lr-check.js';

export interface PrepareOptions {
  readonly backend: string;
  /** Training workers (they are part of a key where they change the result). */
  readonly workers: number;
  readonly store: StageStore;
  readonly stages: readonly string[];
  /** A run folder to continue: its stages' keys must be today's (or --warm-start). */
  readonly resume?: string;
  readonly warmStart?: boolean;
  /** The splits the pipeline reads, listed, with their fingerprints, where the caller has them
   *  (a study lists a data set once for all its trials). */
  readonly data?: SplitsRead;
}

export interface SplitsRead {
  readonly listings: ReadonlyMap<SplitName, SplitListing>;
  readonly prints: Partial<Record<SplitName, string>>;
}

/** Lists the splits `p` reads and fingerprints them (nothing is decoded). `hashes`: the stat
 *  cache of the files' hashes (storeHashCache(store)); without one every file is read. */
export async function readSplits(p: ResolvedPipeline, hashes: HashCacheOptions = NO_HASH_CACHE): Promise<SplitsRead> {
  const listings = await listUsedSplits(p);
  return { listings, prints: await fingerprints(p, hashes, listings) };
}

export interface PreparedRun {
  readonly keys: Record<string, StageKey>;
  /** The folder to continue in (absent: a new run folder). */
  readonly resume?: string;
  readonly warmStart?: Record<string, Checkpoint['weights']>;
}

export async function prepareRun(p: ResolvedPipeline, plan: GraphPlan, o: PrepareOptions): Promise<PreparedRun> {
  // Listed once: the keys' fingerprints and the checks below read the same listings.
  const { listings, prints } = o.data ?? (await readSplits(p, storeHashCache(o.store)));
  const keysWith = (warmStart?: Record<string, string>) => stageKeys(p, plan, { backend: o.backend, workers: o.workers, fingerprint: (s) => prints[s]!, warmStart });
  const keys = keysWith();
  const training = stagesToRun(p, o.stages).filter((s) => !o.store.complete(keys[s].key));
  checkLrPlans(p, training);
  if (training.length > 0) {
    checkClassesBeforeTraining(p, plan, training, listings);
    checkBudget(p, plan, training, { backend: o.backend, workers: o.workers, images: imageCounts(listings, usedSplits(p, training)) });
  }
  if (o.warmStart && !o.resume) throw new InputError([{ message: '--warm-start needs --resume RUN_DIR: the run whose weights to start from' }]);
  if (!o.resume) return { keys };
  const before = recordedKeys(o.resume);
  const changed = changedStages(before, keys, stagesToRun(p, o.stages));
  if (changed.length === 0) return { keys, resume: o.resume };
  if (!o.warmStart) {
    throw new InputError(
      changed.map((c) => ({ message: `stage '${c.stage}' changed since the run in ${o.resume} was made: ${c.fields.join(', ')}`, hint: 'run it afresh without --resume, or add --warm-start to start a new run from its weights anyway' })),
    );
  }
  const warmStart: Record<string, Checkpoint['weights']> = {};
  const sums: Record<string, string> = {};
  for (const { stage } of changed) {
    warmStart[stage] = latestWeights(o.store, before[stage].key, stage, o.resume);
    sums[stage] = weightsSum(warmStart[stage]);
  }
  return { keys: keysWith(sums), warmStart };
}

/** A stage's newest weights in the store: its last checkpoint, its best one, or its final model. */
function latestWeights(store: StageStore, key: string, stage: string, run: string): Checkpoint['weights'] {
  const dir = store.dir(key);
  for (const sub of ['checkpoint', 'best']) {
    try {
      const c = readCheckpoint(`${dir}/${sub}`);
      if (c) return c.weights;
    } catch (e) {
      if (!(e instanceof CorruptCheckpoint)) throw e;
    }
  }
  if (store.complete(key)) return readWeights(dir);
  throw new InputError([{ message: `--warm-start: no weights of stage '${stage}' of ${run} are left in the store (cache entry ${key.slice(0, 12)})` }]);
}

function weightsSum(w: Checkpoint['weights']): string {
  const h = createHash('sha256');
  for (const [name, { shape, data }] of [...w].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${name}:${shape.join('x')}:`).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex');
}
