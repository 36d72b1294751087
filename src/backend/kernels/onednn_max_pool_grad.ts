// MaxPoolGrad on wasm-onednn: the engine's JavaScript loop (max_pool_grad.ts, kept for the tie
// rule tfjs-backend-wasm gets wrong) as the addon's native loop (native/onednn/src/pool.cc),
// step for step, so the same dx bit for bit; 11% of an inception-resnet step was that loop.
import { backend_util, type KernelFunc, type MaxPoolGradAttrs, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { onednn, onHeap } from './onednn_state.js';

type Args = { inputs: { dy: TensorInfo; input: TensorInfo }; backend: BackendWasm; attrs: MaxPoolGradAttrs };

function maxPoolGrad(before: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const { inputs: { dy, input }, backend, attrs } = args;
    if (!onednn() || input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4) return before(args as never);
    const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const params = Int32Array.from([
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
      info.strideHeight, info.strideWidth, info.effectiveFilterHeight, info.effectiveFilterWidth, info.padInfo.top, info.padInfo.left,
    ]);
    const [dx] = onHeap(backend, [input, dy], [[...input.shape]], (addon, [x, g, out]) => addon.maxpoolgrad(params, x, g, out));
    return dx;
  }) as unknown as KernelFunc;
}

export const onednnMaxPoolGradKernels: Readonly<Record<string, (before: KernelFunc) => KernelFunc>> = {
  MaxPoolGrad: maxPoolGrad,
};
