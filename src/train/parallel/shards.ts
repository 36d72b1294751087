// How a batch is split across workers, and when that split shows in the result.
import type { GraphPlan } from '../../graph/analyze.js';

export interface Shard {
  /** First row of the batch, and rows. */
  readonly offset: number;
  readonly n: number;
}

/** Contiguous rows, as even as can be: the first (rows mod workers) shards take one more. */
export function shardRows(rows: number, workers: number): Shard[] {
  const base = Math.floor(rows / workers);
  const extra = rows % workers;
  let offset = 0;
  return Array.from({ length: workers }, (_, k) => {
    const n = base + (k < extra ? 1 : 0);
    offset += n;
    return { offset: offset - n, n };
  });
}

/** How a stage splits its batches: its batch size and micro_batch. */
export interface BatchSplit {
  readonly batch_size: number;
  readonly micro_batch: number | null;
}

// Ops whose training result can depend on the split: dropout draws each shard's (and each
// piece's) masks on its own stream; batchnorm normalises each micro_batch piece by the piece's
// own statistics. Without micro_batch pieces the workers share batchnorm's statistics
// (syncsBatchStats), so batchnorm alone does not make the worker count matter.

/** Whether the model has `op` (a dropout of p = 0 draws nothing, so it does not count). */
function hasOp(plan: GraphPlan, model: string, op: string): boolean {
  return plan.models[model].parts.some((graph) => plan.nodes[graph].some((n) => n.op === op && !(op === 'dropout' && n.params.p === 0)));
}

/**
 * Whether `workers` training workers exchange batchnorm's statistics at every batchnorm
 * (SyncBatchNorm), so that it normalises by the whole batch's: whenever there are several and
 * each takes its part of a batch in one piece. Parts split by micro_batch are normalised piece by
 * piece, as a PyTorch loop that accumulates gradients does.
 */
export function syncsBatchStats(split: BatchSplit, workers: number): boolean {
  return workers > 1 && piecesPerStep(split.batch_size, workers, split.micro_batch) === 1;
}

/** Whether batchnorm sees pieces smaller than the batch: micro_batch splits a worker's part. */
function piecesNormalised(plan: GraphPlan, model: string, split: BatchSplit, workers: number): boolean {
  return hasOp(plan, model, 'batchnorm') && piecesPerStep(split.batch_size, workers, split.micro_batch) > 1;
}

/**
 * What a stage's content key holds about its training workers: their number where it changes
 * the result beyond rounding (dropout; batchnorm over micro_batch pieces), else null, so runs that
 * differ only in rounding share a cache entry.
 */
export function workersInKey(plan: GraphPlan, model: string, split: BatchSplit, workers: number): number | null {
  return hasOp(plan, model, 'dropout') || piecesNormalised(plan, model, split, workers) ? workers : null;
}

/** Whether a stage's micro_batch goes in its content key: set, and changing the result beyond rounding. */
export function microBatchInKey(plan: GraphPlan, model: string, split: BatchSplit, workers: number): boolean {
  return split.micro_batch !== null && (hasOp(plan, model, 'dropout') || piecesNormalised(plan, model, split, workers));
}

/**
 * The pieces a worker's part of a batch is split into with `micro_batch` (gradient accumulation):
 * as even as can be, none over `micro`; one piece without it.
 */
export function microPieces(rows: number, micro: number | null): Shard[] {
  return shardRows(rows, micro === null || rows <= micro ? 1 : Math.ceil(rows / micro));
}

/**
 * Dropout streams per step: a step's pieces draw from steps clock * perStep + p, perStep being
 * the most pieces any part of a batch can have. 1 without micro_batch, so clocks are as before.
 */
export function piecesPerStep(batchSize: number, workers: number, micro: number | null): number {
  return micro === null ? 1 : Math.max(1, Math.ceil(Math.ceil(batchSize / workers) / micro));
}
