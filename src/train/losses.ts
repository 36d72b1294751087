// The stage losses, with PyTorch's reductions: the mean over the batch (and, for pixel losses,
// over every element), so an lr tuned in PyTorch means the same here.
import type * as tfjs from '@tensorflow/tfjs';
import type { ResolvedStage } from '../config/types.js';

export type Tf = typeof tfjs;

/** Cross-entropy of logits against class ids; label smoothing as torch.nn.CrossEntropyLoss. */
export function crossEntropy(tf: Tf, logits: tfjs.Tensor, labels: tfjs.Tensor1D, smoothing: number): tfjs.Scalar {
  const classes = logits.shape[logits.shape.length - 1] as number;
  // (1 - s) * onehot + s / classes: tf.losses.softmaxCrossEntropy's smoothing is torch's.
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logits as tfjs.Tensor2D, undefined, smoothing, tf.Reduction.MEAN) as tfjs.Scalar;
}

export function pixelLoss(tf: Tf, output: tfjs.Tensor, target: tfjs.Tensor, kind: 'mse' | 'l1'): tfjs.Scalar {
  return (kind === 'mse' ? tf.losses.meanSquaredError(target, output, undefined, tf.Reduction.MEAN) : tf.losses.absoluteDifference(target, output, undefined, tf.Reduction.MEAN)) as tfjs.Scalar;
}

export function stageLoss(tf: Tf, stage: ResolvedStage, output: tfjs.Tensor, labels: tfjs.Tensor1D | null, target: tfjs.Tensor | null): tfjs.Scalar {
  switch (stage.loss) {
    case 'cross_entropy':
      return crossEntropy(tf, output, labels as tfjs.Tensor1D, stage.label_smoothing);
    case 'mse':
    case 'l1':
      return pixelLoss(tf, output, target as tfjs.Tensor, stage.loss);
    default: {
      const never: never = stage.loss;
      throw new Error(`unknown loss ${String(never)}`);
    }
  }
}
