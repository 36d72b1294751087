// Evaluation: the stage's loss and predictions over its val split in eval mode, batch by batch,
// on the training thread or (with a trainer's workers) on the workers that train it.
import type * as tfjs from '@tensorflow/tfjs';
import type { ResolvedStage } from '../config/types.js';
import type { EpochBatch } from '../data/loader.js';
import { stageLoss, type Tf } from './losses.js';
import { MetricAccumulator, type EpochMetrics } from './metrics.js';
import type { StageData } from './stage-data.js';

/** Something that evaluates a batch: a trainer (its workers), or the model on this thread. */
export interface BatchEvaluator {
  evaluate(batch: EpochBatch, acc: MetricAccumulator): Promise<void>;
}

/** One batch in eval mode on this thread: its mean loss and (classify) its outputs into `acc`. */
export function evaluateBatch(tf: Tf, stage: ResolvedStage, model: tfjs.LayersModel, batch: EpochBatch, acc: MetricAccumulator): void {
  const out = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [...batch.shape]);
    const y = model.apply(x, { training: false }) as tfjs.Tensor;
    const loss = stageLoss(tf, stage, y, batch.y ? tf.tensor1d(batch.y, 'int32') : null, batch.target ? tf.tensor4d(batch.target, [...batch.shape]) : null);
    return { y, loss };
  });
  acc.add(tf, out.loss.dataSync()[0], batch.shape[0], stage.kind === 'reconstruct' ? null : out.y, batch.y);
  tf.dispose([out.y, out.loss]);
}

/**
 * One pass over the val split in eval mode; `maxBatches` stops after that many (a benchmark's
 * sample). With `by` (the stage's trainer) each batch is evaluated where the trainer steps: on
 * its workers, each its rows, in parallel; else on this thread with `model`.
 */
export async function evaluate(tf: Tf, stage: ResolvedStage, model: tfjs.LayersModel, data: StageData, maxBatches = Infinity, by: BatchEvaluator | null = null): Promise<EpochMetrics | null> {
  if (!data.val) return null;
  const acc = new MetricAccumulator();
  let batches = 0;
  for await (const batch of data.val.epoch(0)) {
    if (batches++ >= maxBatches) break;
    if (by) await by.evaluate(batch, acc);
    else evaluateBatch(tf, stage, model, batch, acc);
  }
  return acc.result();
}
