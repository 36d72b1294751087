// Adam's and AdamW's update on wasm-onednn as one native loop (native/onednn: run_adam) where the
// engine's optimiser otherwise runs 13 to 16 tfjs kernels per parameter. Every operation rounds
// as those kernels do, so the result is theirs bit for bit (test/train/fused-optimizers.test.ts).
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { AdamAttrs } from '../fused_adam.js';
import { onHeap } from './onednn_state.js';

interface AdamInputs {
  readonly param: TensorInfo;
  readonly grad: TensorInfo;
  readonly expAvg: TensorInfo;
  readonly expAvgSq: TensorInfo;
  /** amsgrad only. */
  readonly maxExpAvgSq?: TensorInfo;
}

function adam(args: { inputs: AdamInputs; backend: BackendWasm; attrs: AdamAttrs }): TensorInfo[] {
  const { inputs: { param, grad, expAvg, expAvgSq, maxExpAvgSq }, backend, attrs: a } = args;
  const slots = a.amsgrad ? [expAvg, expAvgSq, maxExpAvgSq as TensorInfo] : [expAvg, expAvgSq];
  return onHeap(backend, [param, grad, ...slots], [param.shape, ...slots.map(() => param.shape)], (addon, views) =>
    addon.adam(Float64Array.from([a.stepSize, a.correction2Sqrt, a.decayKeep, a.weightDecay, a.beta1, a.beta2, a.eps]), Int32Array.from([a.decoupled ? 1 : 0, a.amsgrad ? 1 : 0]), views), a.inPlace ? [grad, ...slots] : []);
}

export const onednnAdamKernel = adam as unknown as KernelFunc;
