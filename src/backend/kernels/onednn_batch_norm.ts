// Batch normalisation in training on wasm-onednn: the engine's fused kernels
// (src/backend/batch_norm_training.ts) as oneDNN's batch_normalization primitives, one pass for
// the statistics and one for the output each way, where the XNNPACK versions take five and seven
// (about a quarter of a Fashion-MNIST step once the convolutions ran on oneDNN). Same outputs:
// y, the batch mean and population variance forward; dx, dscale, doffset backward. A primitive
// computes its statistics over the rows it is given: where training workers share theirs
// (BatchStatsSync), the kernels before these run, which exchange them between their passes.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchStatsSync } from '../batch_norm_training.js';
import { positionsAndChannels } from './channel_ops.js';
import { onednn, onHeap } from './onednn_state.js';

type Args = { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: { varianceEpsilon: number } };

function run(args: Args, op: 0 | 1, inputs: TensorInfo[], outputShapes: number[][]): TensorInfo[] {
  const [positions, channels] = positionsAndChannels(inputs[0]);
  return onHeap(args.backend, inputs, outputShapes, (addon, views) => addon.bnorm(Int32Array.from([op, positions, channels, 1]), args.attrs.varianceEpsilon, views));
}

function forward(before: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const { x, scale, offset } = args.inputs;
    if (!onednn() || x.dtype !== 'float32' || batchStatsSync() !== null) return before(args as never);
    const c = x.shape[x.shape.length - 1];
    return run(args, 0, [x, scale, offset], [[...x.shape], [c], [c]]);
  }) as unknown as KernelFunc;
}

function backward(before: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const { dy, x, scale, mean, variance } = args.inputs;
    if (!onednn() || x.dtype !== 'float32' || batchStatsSync() !== null) return before(args as never);
    const c = x.shape[x.shape.length - 1];
    return run(args, 1, [dy, x, scale, mean, variance], [[...x.shape], [c], [c]]);
  }) as unknown as KernelFunc;
}

export const onednnBatchNormKernels: Readonly<Record<string, (before: KernelFunc) => KernelFunc>> = {
  PipeBatchNormTraining: forward,
  PipeBatchNormTrainingGrad: backward,
};
