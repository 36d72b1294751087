// Per-epoch metrics: mean loss, top-1 and top-5 accuracy, and correct predictions per class,
// accumulated over batches on the CPU from the batch's logits.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './losses.js';

export interface EpochMetrics {
  readonly loss: number;
  /** Share of images whose top class is right, in [0, 1]; null for reconstruction. */
  readonly top1: number | null;
  readonly top5: number | null;
  /** Correct predictions per class, and images per class (for per-class accuracy). */
  readonly perClassCorrect: readonly number[] | null;
  readonly perClassCount: readonly number[] | null;
  readonly images: number;
}

/** A part-epoch's sums, as a checkpoint stores them. */
export interface AccumulatorState {
  readonly lossSum: number;
  readonly images: number;
  readonly top1: number;
  readonly top5: number;
  readonly correct: readonly number[] | null;
  readonly count: readonly number[] | null;
}

export class MetricAccumulator {
  private lossSum = 0;
  private images = 0;
  private top1 = 0;
  private top5 = 0;
  private correct: number[] | null = null;
  private count: number[] | null = null;

  state(): AccumulatorState {
    return { lossSum: this.lossSum, images: this.images, top1: this.top1, top5: this.top5, correct: this.correct && [...this.correct], count: this.count && [...this.count] };
  }

  static from(s: AccumulatorState): MetricAccumulator {
    const a = new MetricAccumulator();
    Object.assign(a, { ...s, correct: s.correct && [...s.correct], count: s.count && [...s.count] });
    return a;
  }

  /** `loss` is the batch mean; weighting by batch size gives the mean over images. */
  add(tf: Tf, loss: number, n: number, logits: tfjs.Tensor | null, labels: Int32Array | null): void {
    this.lossSum += loss * n;
    this.images += n;
    if (!logits || !labels) return;
    const classes = logits.shape[1] as number;
    const k = Math.min(5, classes);
    const top = tf.tidy(() => tf.topk(logits as tfjs.Tensor2D, k).indices);
    const idx = top.dataSync();
    top.dispose();
    this.correct ??= new Array(classes).fill(0);
    this.count ??= new Array(classes).fill(0);
    for (let i = 0; i < n; i++) {
      const y = labels[i];
      this.count[y]++;
      if (idx[i * k] === y) {
        this.top1++;
        this.correct[y]++;
      }
      for (let j = 0; j < k; j++) if (idx[i * k + j] === y) this.top5++;
    }
  }

  result(): EpochMetrics {
    const labelled = this.correct !== null;
    return {
      loss: this.images ? this.lossSum / this.images : NaN,
      top1: labelled ? this.top1 / this.images : null,
      top5: labelled ? this.top5 / this.images : null,
      perClassCorrect: this.correct,
      perClassCount: this.count,
      images: this.images,
    };
  }
}
