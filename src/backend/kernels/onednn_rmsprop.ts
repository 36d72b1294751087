// RMSprop's update on wasm-onednn as one native loop (native/onednn: run_rmsprop) where the
// engine's optimiser otherwise runs 9 to 16 tfjs kernels per parameter. Every operation rounds as
// those kernels do, so the result is theirs bit for bit (test/train/fused-optimizers.test.ts).
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { RmspropAttrs } from '../fused_rmsprop.js';
import { onHeap } from './onednn_state.js';

interface RmspropInputs {
  readonly param: TensorInfo;
  readonly grad: TensorInfo;
  readonly squareAvg: TensorInfo;
  /** centered only. */
  readonly gradAvg?: TensorInfo;
  /** momentum > 0 only. */
  readonly momentumBuffer?: TensorInfo;
}

function rmsprop(args: { inputs: RmspropInputs; backend: BackendWasm; attrs: RmspropAttrs }): TensorInfo[] {
  const { inputs: { param, grad, squareAvg, gradAvg, momentumBuffer }, backend, attrs: a } = args;
  const slots = [squareAvg, ...(a.centered ? [gradAvg as TensorInfo] : []), ...(a.momentum > 0 ? [momentumBuffer as TensorInfo] : [])];
  return onHeap(backend, [param, grad, ...slots], [param.shape, ...slots.map(() => param.shape)], (addon, views) =>
    addon.rmsprop(Float64Array.from([a.lr, a.alpha, a.eps, a.weightDecay, a.momentum]), Int32Array.from([a.centered ? 1 : 0]), views), a.inPlace ? [grad, ...slots] : []);
}

export const onednnRmspropKernel = rmsprop as unknown as KernelFunc;
