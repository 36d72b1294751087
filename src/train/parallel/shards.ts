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

/**
 * What a stage's content key holds about its training workers: their number where the model has
 * a split-dependent op (a dropout of p = 0 draws nothing), else null, so runs that differ only in
 * rounding share a cache entry.
 */
export function workersInKey(plan: GraphPlan, model: string, workers: number): number | null {
  const splitDependent = plan.models[model].parts.some((graph) =>
    plan.nodes[graph].some((n) => SPLIT_DEPENDENT_OPS.includes(n.op) && !(n.op === 'dropout' && n.params.p === 0)),
  );
  return splitDependent ? workers : null;
}
