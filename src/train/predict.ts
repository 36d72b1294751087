// What a trained classifier says about each validation image: the label and the predicted class
// per item, in the order of the split's images, for the per-class analysis and the confusion
// pairs of `pipe report` and `pipe diff` (which need more than the epoch's summed accuracy).
import type * as tfjs from '@tensorflow/tfjs';
import type { BatchLoader } from '../data/loader.js';
import type { Tf } from './losses.js';

export interface Predictions {
  /** The split the items are positions in. */
  readonly split: string;
  readonly classNames: readonly string[];
  /** Positions in the split's decoded images, in evaluation order. */
  readonly items: readonly number[];
  readonly labels: readonly number[];
  readonly predicted: readonly number[];
}

export async function predict(tf: Tf, model: tfjs.LayersModel, val: BatchLoader, where: { split: string; items: readonly number[]; classNames: readonly string[] }): Promise<Predictions> {
  const labels: number[] = [];
  const predicted: number[] = [];
  for await (const batch of val.epoch(0)) {
    const top = tf.tidy(() => (model.apply(tf.tensor4d(batch.x, [...batch.shape]), { training: false }) as tfjs.Tensor).argMax(-1));
    predicted.push(...(top.dataSync() as Int32Array));
    top.dispose();
    if (batch.y) labels.push(...batch.y);
  }
  if (labels.length !== predicted.length || predicted.length !== where.items.length) {
    throw new Error(`predictions: ${predicted.length} predictions, ${labels.length} labels for ${where.items.length} items`);
  }
  return { split: where.split, classNames: where.classNames, items: where.items, labels, predicted };
}
