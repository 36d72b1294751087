// Batch normalisation by the batch's own statistics (training), as one op with its own gradient.
// tf.layers' BatchNormalization composes it from moments and batchNorm: about fifteen full passes
// over the activations forward and backward, and several of them kept for the backward pass.
// Where the active backend has the engine's fused kernel (wasm, src/backend/kernels/), it is one
// kernel each way that keeps nothing but x; elsewhere this op runs that same tfjs composition.
//
// Imports only tfjs: the engine's layers (src/graph/layers) call it and are bundled for browsers.
import * as tf from '@tensorflow/tfjs';

/** The fused forward kernel: inputs x, scale, offset; outputs y, mean, variance (both [C]). */
export const BATCH_NORM_TRAINING = 'PipeBatchNormTraining';
/** Its gradient kernel: inputs dy, x, scale, mean, variance; outputs dx, dscale, doffset. */
export const BATCH_NORM_TRAINING_GRAD = 'PipeBatchNormTrainingGrad';

/**
 * Batch statistics over several threads' rows (SyncBatchNorm): data-parallel training workers
 * set one for the length of a step (src/train/parallel/worker.ts), so each BatchNorm normalises
 * by the whole batch's mean and variance, not by its own rows'. Null: the rows here are the batch.
 */
export interface BatchStatsSync {
  /** This thread's weight in the step's loss (its rows / the batch's rows): its gradients are
   *  those of its own rows' mean loss, so its terms of a gradient sum are scaled by it. */
  readonly share: number;
  /** Every thread's `values` (this one's included), in thread order, the same in every thread;
   *  blocks until every thread of the step has given its own. */
  allGather(values: Float64Array): Float64Array[];
}

let statsSync: BatchStatsSync | null = null;

/** Sets (or with null clears) the threads' batch-statistics exchange for the steps that follow. */
export function setBatchStatsSync(sync: BatchStatsSync | null): void {
  statsSync = sync;
}

/** The exchange in effect, or null. */
export function batchStatsSync(): BatchStatsSync | null {
  return statsSync;
}

/**
 * The whole batch's per-channel mean and (population) variance, from this thread's mean and sum
 * of squared deviations from it (m2) over its `positions`, in one exchange: each thread's are
 * combined as Chan et al. do (m2 = sum of the threads' m2 + n_k (mean_k - mean)^2), in double,
 * in thread order, so every thread gets the same statistics and no variance is a difference of
 * two large sums.
 */
export function syncedMoments(sync: BatchStatsSync, mean: Float32Array, m2: Float32Array, positions: number): { mean: Float32Array; variance: Float32Array } {
  const c = mean.length;
  const mine = new Float64Array(2 * c + 1);
  mine[0] = positions;
  mine.set(mean, 1);
  mine.set(m2, 1 + c);
  const rows = sync.allGather(mine);
  const total = rows.reduce((n, r) => n + r[0], 0);
  const outMean = new Float32Array(c);
  const outVariance = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    let sum = 0;
    for (const r of rows) sum += r[0] * r[1 + i];
    const m = sum / total;
    let squares = 0;
    for (const r of rows) {
      const d = r[1 + i] - m;
      squares += r[1 + c + i] + r[0] * d * d;
    }
    outMean[i] = m;
    outVariance[i] = squares / total;
  }
  return { mean: outMean, variance: outVariance };
}

/**
 * The whole batch's sums of dy and of dy * xh per channel (db, dg), in this thread's scale, and
 * the batch's positions, from this thread's own. A thread's dy is the gradient of its rows' mean
 * loss, `share` times the gradient of the batch's: each thread's sums are scaled by its share to
 * the batch's loss before they are added (in double, in thread order), and the total scaled back
 * by this thread's.
 */
export function syncedGradSums(sync: BatchStatsSync, db: Float32Array, dg: Float32Array, positions: number): { db: Float32Array; dg: Float32Array; positions: number } {
  const c = db.length;
  const mine = new Float64Array(2 * c + 1);
  for (let i = 0; i < c; i++) {
    mine[i] = db[i] * sync.share;
    mine[c + i] = dg[i] * sync.share;
  }
  mine[2 * c] = positions;
  const all = new Float64Array(2 * c + 1);
  for (const r of sync.allGather(mine)) for (let i = 0; i <= 2 * c; i++) all[i] += r[i];
  return {
    db: Float32Array.from(all.subarray(0, c), (v) => v / sync.share),
    dg: Float32Array.from(all.subarray(c, 2 * c), (v) => v / sync.share),
    positions: all[2 * c],
  };
}

export interface BatchNormTrainingResult {
  readonly y: tf.Tensor;
  /** The batch's per-channel mean and (population) variance, [C]: what the moving averages track. */
  readonly mean: tf.Tensor;
  readonly variance: tf.Tensor;
}

/** Whether the fused kernel runs for these operands on the active backend. */
export function fusesBatchNormTraining(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor): boolean {
  const c = x.shape[x.rank - 1];
  const perChannel = (t: tf.Tensor) => t.rank === 1 && t.shape[0] === c && t.dtype === 'float32';
  return x.rank >= 2 && x.dtype === 'float32' && perChannel(scale) && perChannel(offset) &&
    tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend()) !== undefined;
}

/**
 * y = (x - mean) / sqrt(variance + epsilon) * scale + offset, with mean and variance taken over
 * every axis but the last (channels last), as tf.layers' BatchNormalization does in training.
 */
export function batchNormTraining(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, epsilon: number): BatchNormTrainingResult {
  if (fusesBatchNormTraining(x, scale, offset)) {
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x, scale, offset }, { varianceEpsilon: epsilon }) as tf.Tensor[];
    return { y, mean, variance };
  }
  if (statsSync) return syncedComposition(statsSync, x, scale, offset, epsilon);
  // tfjs-layers' regularNormalizeBatchInTraining, step for step.
  const { mean, variance } = tf.moments(x, Array.from({ length: x.rank - 1 }, (_, i) => i));
  return { y: tf.batchNorm(x, mean, variance, offset, scale, epsilon), mean, variance };
}

/**
 * Where the fused kernel does not run (the cpu backend) but the statistics are shared: the same
 * computation as the kernels', composed of tfjs ops, with its gradient given (the exchanges are
 * not ops the tape could differentiate). Channels last.
 */
function syncedComposition(sync: BatchStatsSync, x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, epsilon: number): BatchNormTrainingResult {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const positions = x.size / x.shape[x.rank - 1];
  // This thread's mean and squared deviations from it, then the batch's (one exchange).
  const [ownMean, ownM2] = tf.tidy(() => {
    const m = tf.mean(x, axes);
    return [m.dataSync() as Float32Array, tf.sum(tf.square(tf.sub(x, m)), axes).dataSync() as Float32Array];
  });
  const moments = syncedMoments(sync, ownMean, ownM2, positions);
  const mean = tf.tensor1d(moments.mean);
  const variance = tf.tensor1d(moments.variance);
  const normalise = tf.customGrad((...args: (tf.Tensor | ((saved: tf.Tensor[]) => void))[]) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, (saved: tf.Tensor[]) => void];
    const r = tf.rsqrt(tf.add(variance, epsilon));
    const normed = tf.mul(tf.sub(xs, mean), r);
    save([normed, g, r]);
    return {
      value: tf.add(tf.mul(normed, g), b),
      gradFunc: (dy: tf.Tensor, [xh, gamma, rs]: tf.Tensor[]) => {
        const own = (t: tf.Tensor) => tf.tidy(() => tf.sum(t, axes).dataSync() as Float32Array);
        const [db, dg] = [own(dy), own(tf.mul(dy, xh))];
        const all = syncedGradSums(sync, db, dg, positions);
        const gr = tf.mul(gamma, rs);
        const dx = tf.mul(gr, tf.sub(tf.sub(dy, tf.div(tf.tensor1d(all.db), all.positions)), tf.mul(xh, tf.div(tf.tensor1d(all.dg), all.positions))));
        return [dx, tf.tensor1d(dg), tf.tensor1d(db)];
      },
    };
  });
  return { y: normalise(x, scale, offset), mean, variance };
}
