// The gradient of batch normalisation in training (src/backend/batch_norm_training.ts): its
// registered gradient, and the wasm kernel that computes it in seven XNNPACK passes from dy and x
// alone (the forward pass keeps no normalised copy).
//
// Derivation, per channel over its P values: xh = (x - m) r with r = (v + eps)^(-1/2), y = g xh + b.
// db = sum(dy), dg = sum(dy xh). Through m and v (dm/dx = 1/P, dv/dx = 2 (x - m) / P):
// dx = g r (dy - db / P - xh dg / P), the usual closed form; as two scale-and-shifts and an add:
// dx = [dy * g r] + [xh * (-g r dg / P) + (-g r db / P)].
// Where training workers share the statistics (BatchStatsSync), db and dg in dx are the whole
// batch's and P its positions (syncedGradSums); the outputs dscale and doffset stay this
// worker's own sums, which the workers' gradient sum weights by their shares as any other.
import { engine, type GradConfig, type KernelFunc, type NamedAttrMap, type Tensor, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, batchStatsSync, syncedGradSums } from '../batch_norm_training.js';
import { channelMeans, positionsAndChannels, scaleShift, valuesOf } from './channel_ops.js';
import type { KernelOverride } from './overrides.js';
import { withScratch } from './scratch.js';

interface Args {
  inputs: { dy: TensorInfo; x: TensorInfo; scale: TensorInfo; mean: TensorInfo; variance: TensorInfo };
  backend: BackendWasm;
  attrs: { varianceEpsilon: number };
}

function batchNormTrainingGrad({ inputs: { dy, x, scale, mean, variance }, backend, attrs: { varianceEpsilon } }: Args): TensorInfo[] {
  const [p] = positionsAndChannels(x);
  return withScratch(backend, (s) => {
    const [m, v, g] = [valuesOf(s, mean), valuesOf(s, variance), valuesOf(s, scale)];
    const r = v.map((vi) => 1 / Math.sqrt(vi + varianceEpsilon));
    const normed = scaleShift(s, x, r, m.map((mi, i) => -mi * r[i]));
    const dOffset = channelMeans(s, dy);
    const product = s.run('Multiply', { a: dy, b: normed });
    const dScale = channelMeans(s, product);
    s.free(product);
    // Means to sums, in place (the outputs), and kept in JS (views die when the heap grows).
    const [db, dg] = [valuesOf(s, dOffset).map((d) => d * p), valuesOf(s, dScale).map((d) => d * p)];
    s.view(dOffset).set(db);
    s.view(dScale).set(dg);
    const sync = batchStatsSync();
    const all = sync ? syncedGradSums(sync, db, dg, p) : { db, dg, positions: p };
    const gr = g.map((gi, i) => gi * r[i]);
    const correction = scaleShift(s, normed, gr.map((k, i) => -k * all.dg[i] / all.positions), gr.map((k, i) => -k * all.db[i] / all.positions));
    s.free(normed);
    const direct = scaleShift(s, dy, gr, null);
    const dx = s.run('Add', { a: direct, b: correction });
    return [dx, dScale, dOffset];
  });
}

export const batchNormTrainingGradKernel: KernelOverride = { kernelName: BATCH_NORM_TRAINING_GRAD, build: () => batchNormTrainingGrad as unknown as KernelFunc };

/** The forward kernel's gradient: the grad kernel above, run once for all three inputs. */
export const batchNormTrainingGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, scale, mean, variance] = saved;
    const dy = Array.isArray(dys) ? dys[0] : dys;
    // Run here, not inside the closures: tfjs runs each closure in its own tidy.
    const [dx, dScale, dOffset] = engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy, x, scale, mean, variance }, attrs as NamedAttrMap) as Tensor[];
    return { x: () => dx, scale: () => dScale, offset: () => dOffset };
  },
};
