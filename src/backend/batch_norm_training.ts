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
  // tfjs-layers' regularNormalizeBatchInTraining, step for step.
  const { mean, variance } = tf.moments(x, Array.from({ length: x.rank - 1 }, (_, i) => i));
  return { y: tf.batchNorm(x, mean, variance, offset, scale, epsilon), mean, variance };
}
