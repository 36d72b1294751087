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

/**
 * Ops whose training result depends on the split: batchnorm normalises by each shard's own
 * statistics (as PyTorch DDP without SyncBatchNorm), dropout draws each shard's mask on its own
 * stream. Without them, N workers compute the same mean gradient as one, up to float rounding.
 */
export const SPLIT_DEPENDENT_OPS: readonly string[] = ['batchnorm', 'dropout'];

/** Whether the model has a split-dependent op (a dropout of p = 0 draws nothing). */
export function splitDependent(plan: GraphPlan, model: string): boolean {
  return plan.models[model].parts.some((graph) =>
    plan.nodes[graph].some((n) => SPLIT_DEPENDENT_OPS.includes(n.op) && !(n.op === 'dropout' && n.params.p === 0)),
  );
}

/**
 * What a stage's content key holds about its training workers: their number where the model is
 * split-dependent, else null, so runs that differ only in rounding share a cache entry.
 */
export function workersInKey(plan: GraphPlan, model: string, workers: number): number | null {
  return splitDependent(plan, model) ? workers : null;
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
