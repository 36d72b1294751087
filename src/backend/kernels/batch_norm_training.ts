// The fused forward kernel of batch normalisation in training (src/backend/batch_norm_training.ts)
// for wasm: five XNNPACK passes over x (two per-channel means, a centring, a square, the affine),
// where tfjs's moments + batchNorm take about eight, two of them slow broadcasts.
//
// Derivation: per channel, m = mean(x), v = mean((x - m)^2) (two passes: no cancellation when |m|
// is large against the spread), y = (x - m) * a + b with a = g / sqrt(v + eps). Where training
// workers share the statistics (BatchStatsSync), this worker's mean and variance are combined
// with the others' into the batch's M and V (syncedMoments) and y = (x - m) * a + (b + (m - M) a),
// a = g / sqrt(V + eps): the same passes.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_NORM_TRAINING, batchStatsSync, syncedMoments } from '../batch_norm_training.js';
import { channelMeans, positionsAndChannels, scaleShift, valuesOf } from './channel_ops.js';
import type { KernelOverride } from './overrides.js';
import { withScratch } from './scratch.js';

interface Args {
  inputs: { x: TensorInfo; scale: TensorInfo; offset: TensorInfo };
  backend: BackendWasm;
  attrs: { varianceEpsilon: number };
}

function batchNormTraining({ inputs: { x, scale, offset }, backend, attrs: { varianceEpsilon } }: Args): TensorInfo[] {
  const [p, c] = positionsAndChannels(x);
  const sync = batchStatsSync();
  return withScratch(backend, (s) => {
    const mean = channelMeans(s, x);
    const m = valuesOf(s, mean);
    const centred = scaleShift(s, x, new Float32Array(c).fill(1), m.map((v) => -v));
    const squares = s.run('Square', { x: centred });
    const variance = channelMeans(s, squares);
    s.free(squares);
    const own = valuesOf(s, variance);
    // The batch's statistics where they are shared; x is centred on this worker's mean.
    const batch = sync ? syncedMoments(sync, m, own.map((vi) => vi * p), p) : null;
    if (batch) {
      s.view(mean).set(batch.mean);
      s.view(variance).set(batch.variance);
    }
    const v = batch?.variance ?? own;
    const g = valuesOf(s, scale);
    const a = g.map((gi, i) => gi / Math.sqrt(v[i] + varianceEpsilon));
    const b = valuesOf(s, offset);
    const y = scaleShift(s, centred, a, batch ? b.map((bi, i) => bi + (m[i] - batch.mean[i]) * a[i]) : b);
    return [y, mean, variance];
  });
}

export const batchNormTrainingKernel: KernelOverride = { kernelName: BATCH_NORM_TRAINING, build: () => batchNormTraining as unknown as KernelFunc };
