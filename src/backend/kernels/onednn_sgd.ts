// SGD's momentum update on wasm-onednn as one native loop (native/onednn: run_sgd) where the
// engine's optimiser otherwise runs six tfjs kernels per parameter (~350 small kernels and their
// intermediates per Fashion-MNIST step, ~15 ms of ~110). Every operation rounds as those kernels
// do, so the result is theirs bit for bit (test/backend/onednn.test.ts compares).
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { SgdMomentumAttrs } from '../fused_sgd.js';
import { onednn } from './onednn_state.js';

function sgdMomentum(args: { inputs: { param: TensorInfo; grad: TensorInfo; buf: TensorInfo }; backend: BackendWasm; attrs: SgdMomentumAttrs }): TensorInfo[] {
  const { inputs: { param, grad, buf }, backend, attrs } = args;
  const addon = onednn();
  if (!addon) throw new Error('the fused SGD update runs on wasm-onednn only (fusesSgdMomentum says where)');
  const outputs = [backend.makeOutput([...param.shape], 'float32'), backend.makeOutput([...param.shape], 'float32')];
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  addon.sgd(Float64Array.from([attrs.lr, attrs.momentum, attrs.dampening, attrs.weightDecay]), Int32Array.from([attrs.first ? 1 : 0, attrs.nesterov ? 1 : 0]),
    [param, grad, buf, ...outputs].map(view));
  return outputs;
}

export const onednnSgdKernel = sgdMomentum as unknown as KernelFunc;
