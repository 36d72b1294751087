// SGD's momentum update on wasm-onednn as one native loop (native/onednn: run_sgd) where the
// engine's optimiser otherwise runs six tfjs kernels per parameter (~350 small kernels and their
// intermediates per Fashion-MNIST step, ~15 ms of ~110). Every operation rounds as those kernels
// do, so the result is theirs bit for bit (test/backend/onednn.test.ts compares).
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { SgdMomentumAttrs } from '../fused_sgd.js';
import { onHeap } from './onednn_state.js';

function sgdMomentum(args: { inputs: { param: TensorInfo; grad: TensorInfo; buf: TensorInfo }; backend: BackendWasm; attrs: SgdMomentumAttrs }): TensorInfo[] {
  const { inputs: { param, grad, buf }, backend, attrs } = args;
  // onHeap refuses to run while oneDNN is off; fusesSgdMomentum keeps the optimiser from asking then.
  return onHeap(backend, [param, grad, buf], [param.shape, param.shape], (addon, views) =>
    addon.sgd(Float64Array.from([attrs.lr, attrs.momentum, attrs.dampening, attrs.weightDecay]), Int32Array.from([attrs.first ? 1 : 0, attrs.nesterov ? 1 : 0]), views), attrs.inPlace ? [grad, buf] : []);
}

export const onednnSgdKernel = sgdMomentum as unknown as KernelFunc;
