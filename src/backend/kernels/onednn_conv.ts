// Convolutions on the wasm backend computed by oneDNN (native/onednn) in place on the wasm heap:
// the forward pass (Conv2D, FusedConv2D with a bias and ReLU or no activation), the input gradient
// and the filter gradient. What oneDNN is not asked to do (NCHW, other fused activations, other
// dtypes than float32) goes to the kernel registered before (the stock or engine one).
import { backend_util, type Conv2DBackpropFilterAttrs, type Conv2DBackpropInputAttrs, type FusedConv2DAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { onednn, onHeap } from './onednn_state.js';

/** The Int32Array layout the addon reads (native/onednn/src/kernels.h, struct Conv). */
const enum Op { Forward = 0, BackwardData = 1, BackwardWeights = 2 }

function params(op: Op, info: backend_util.Conv2DInfo, bias: boolean, relu: boolean): Int32Array {
  const { batchSize, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  return Int32Array.from([op, batchSize, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth, outHeight, outWidth,
    strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo.top, padInfo.left, padInfo.bottom, padInfo.right,
    bias ? 1 : 0, relu ? 1 : 0, 1]);
}

type Args<A> = { inputs: Record<string, TensorInfo | undefined>; backend: BackendWasm; attrs: A };
type Shape4 = [number, number, number, number];

/** Runs one convolution on oneDNN into a new output of `outShape`; a, b as the addon's conv takes them. */
function run(backend: BackendWasm, p: Int32Array, outShape: number[], a: TensorInfo, b: TensorInfo, bias: TensorInfo | null): TensorInfo {
  const [out] = onHeap(backend, bias ? [a, b, bias] : [a, b], [outShape], (addon, v) => addon.conv(p, v[0], v[1], bias ? v[2] : null, v[v.length - 1]));
  return out;
}

function forward(before: KernelFunc, fused: boolean): KernelFunc {
  return ((args: Args<FusedConv2DAttrs>) => {
    const { inputs: { x, filter, bias }, backend, attrs } = args;
    const activation = fused ? attrs.activation : 'linear';
    if (!onednn() || attrs.dataFormat === 'NCHW' || (activation !== 'linear' && activation !== 'relu') || x!.dtype !== 'float32') {
      return before(args as never);
    }
    const info = backend_util.computeConv2DInfo(x!.shape as Shape4, filter!.shape as Shape4, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode);
    return run(backend, params(Op.Forward, info, Boolean(bias), activation === 'relu'), info.outShape, x!, filter!, bias ?? null);
  }) as unknown as KernelFunc;
}

function backwardData(before: KernelFunc): KernelFunc {
  return ((args: Args<Conv2DBackpropInputAttrs>) => {
    const { inputs: { dy, filter }, backend, attrs } = args;
    if (!onednn() || attrs.dataFormat === 'NCHW') return before(args as never);
    const info = backend_util.computeConv2DInfo(attrs.inputShape, filter!.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    return run(backend, params(Op.BackwardData, info, false, false), info.inShape, dy!, filter!, null);
  }) as unknown as KernelFunc;
}

function backwardWeights(before: KernelFunc): KernelFunc {
  return ((args: Args<Conv2DBackpropFilterAttrs>) => {
    const { inputs: { x, dy }, backend, attrs } = args;
    if (!onednn() || attrs.dataFormat === 'NCHW') return before(args as never);
    const info = backend_util.computeConv2DInfo(x!.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    return run(backend, params(Op.BackwardWeights, info, false, false), attrs.filterShape, x!, dy!, null);
  }) as unknown as KernelFunc;
}

/** Builders by kernel name: each gets the kernel registered before it, to fall back on. */
export const onednnConvKernels: Readonly<Record<string, (before: KernelFunc) => KernelFunc>> = {
  Conv2D: (before) => forward(before, false),
  FusedConv2D: (before) => forward(before, true),
  Conv2DBackpropInput: backwardData,
  Conv2DBackpropFilter: backwardWeights,
};
