// Batch normalisation in training on wasm-onednn: the engine's fused kernels
// (src/backend/batch_norm_training.ts) as oneDNN's batch_normalization primitives, one pass for
// the statistics and one for the output each way, where the XNNPACK versions take five and seven
// (about a quarter of a Fashion-MNIST step once the convolutions ran on oneDNN). Same outputs:
// y, the batch mean and population variance forward; dx, dscale, doffset backward.
//
// A primitive computes its statistics over the rows it is given. Where training workers share
// theirs (BatchStatsSync), the addon's plain passes run instead (native/onednn/src/norm.cc), with
// the exchanges between them: forward, this worker's mean and squared deviations (one pass of
// two loops), the batch's statistics (syncedMoments), then y = (x - M) a + b, a = g / sqrt(V +
// eps) (one pass); backward, this worker's db and dg (one pass), the batch's (syncedGradSums),
// then dx = dy (g r) + (x - M) (-g r^2 DG / P) - g r DB / P (one pass), r = 1 / sqrt(V + eps):
// xh = (x - M) r in the closed form of batch_norm_training_grad.ts.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchStatsSync, syncedGradSums, syncedMoments, type BatchStatsSync } from '../batch_norm_training.js';
import { positionsAndChannels } from './channel_ops.js';
import { onednn, onHeap } from './onednn_state.js';
import { withScratch, type Scratch } from './scratch.js';

type Args = { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: { varianceEpsilon: number } };

function run(args: Args, op: number, inputs: TensorInfo[], outputShapes: number[][]): TensorInfo[] {
  const [positions, channels] = positionsAndChannels(inputs[0]);
  return onHeap(args.backend, inputs, outputShapes, (addon, views) => addon.bnorm(Int32Array.from([op, positions, channels, 1]), args.attrs.varianceEpsilon, views));
}

function forward(before: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const { x, scale, offset } = args.inputs;
    if (!onednn() || x.dtype !== 'float32') return before(args as never);
    const c = x.shape[x.shape.length - 1];
    const sync = batchStatsSync();
    if (sync) return syncedForward(args, sync);
    return run(args, 0, [x, scale, offset], [[...x.shape], [c], [c]]);
  }) as unknown as KernelFunc;
}

function backward(before: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const { dy, x, scale, mean, variance } = args.inputs;
    if (!onednn() || x.dtype !== 'float32') return before(args as never);
    const c = x.shape[x.shape.length - 1];
    const sync = batchStatsSync();
    if (sync) return syncedBackward(args, sync);
    return run(args, 1, [dy, x, scale, mean, variance], [[...x.shape], [c], [c]]);
  }) as unknown as KernelFunc;
}

/** The addon's ops for the passes of shared statistics (norm.cc's NormPiece). */
const MOMENTS = 2;
const AFFINE = 3;
const GRAD_SUMS = 4;
const GRAD_INPUT = 5;

/** Per-channel values on the heap, for the addon's passes (freed with the scratch). */
function perChannel(s: Scratch, values: Float32Array): TensorInfo {
  const t = s.alloc([values.length]);
  s.view(t).set(values);
  return t;
}

function syncedForward(args: Args, sync: BatchStatsSync): TensorInfo[] {
  const { x, scale, offset } = args.inputs;
  const [p, c] = positionsAndChannels(x);
  return withScratch(args.backend, (s) => {
    // The moments' buffers become the outputs mean and variance, with the batch's values.
    const [mean, spread] = run(args, MOMENTS, [x], [[c], [c]]).map((t) => s.keep(t));
    const batch = syncedMoments(sync, s.view(mean).slice(), s.view(spread).slice(), p);
    s.view(mean).set(batch.mean);
    s.view(spread).set(batch.variance);
    const [g, b] = [s.view(scale).slice(), s.view(offset).slice()];
    const a = g.map((gi, i) => gi / Math.sqrt(batch.variance[i] + args.attrs.varianceEpsilon));
    const [y] = run(args, AFFINE, [x, mean, perChannel(s, a), perChannel(s, b)], [[...x.shape]]);
    return [y, mean, spread];
  });
}

function syncedBackward(args: Args, sync: BatchStatsSync): TensorInfo[] {
  const { dy, x, scale, mean, variance } = args.inputs;
  const [p, c] = positionsAndChannels(x);
  return withScratch(args.backend, (s) => {
    const [v, g] = [s.view(variance).slice(), s.view(scale).slice()];
    const r = v.map((vi) => 1 / Math.sqrt(vi + args.attrs.varianceEpsilon));
    // This worker's sums are the outputs dscale and doffset as they are.
    const [dOffset, dScale] = run(args, GRAD_SUMS, [dy, x, mean, perChannel(s, r)], [[c], [c]]).map((t) => s.keep(t));
    const all = syncedGradSums(sync, s.view(dOffset).slice(), s.view(dScale).slice(), p);
    const gr = g.map((gi, i) => gi * r[i]);
    const xCoef = gr.map((k, i) => -k * r[i] * all.dg[i] / all.positions);
    const constant = gr.map((k, i) => -k * all.db[i] / all.positions);
    const [dx] = run(args, GRAD_INPUT, [dy, x, mean, perChannel(s, gr), perChannel(s, xCoef), perChannel(s, constant)], [[...x.shape]]);
    return [dx, dScale, dOffset];
  });
}

export const onednnBatchNormKernels: Readonly<Record<string, (before: KernelFunc) => KernelFunc>> = {
  PipeBatchNormTraining: forward,
  PipeBatchNormTrainingGrad: backward,
};
