// Convolutions on the wasm backend computed by oneDNN (native/onednn) in place on the wasm heap:
// the forward pass (Conv2D, FusedConv2D with a bias and ReLU or no activation), the input gradient
// and the filter gradient. What oneDNN is not asked to do (NCHW, other fused activations, a
// preferred-element-type conv) goes to the kernel registered before (the stock or engine one).
import { backend_util, type Conv2DBackpropFilterAttrs, type Conv2DBackpropInputAttrs, type FusedConv2DAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { OnednnAddon } from '../onednn.js';

/** The Int32Array layout the addon reads (native/onednn/src/addon.cc, struct Conv). */
const enum Op { Forward = 0, BackwardData = 1, BackwardWeights = 2 }

let addon: OnednnAddon | null = null;

/** Turns the oneDNN path on (with the addon) or off (null: every call goes to the kernel before). */
export function useOnednn(loaded: OnednnAddon | null): void {
  addon = loaded;
}

/** The addon while the oneDNN path is on, else null. */
export function onednn(): OnednnAddon | null {
  return addon;
}

function params(op: Op, info: backend_util.Conv2DInfo, bias: boolean, relu: boolean): Int32Array {
  const { batchSize, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  return Int32Array.from([op, batchSize, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth, outHeight, outWidth,
    strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo.top, padInfo.left, padInfo.bottom, padInfo.right,
    bias ? 1 : 0, relu ? 1 : 0, 1]);
}

type Args<A> = { inputs: Record<string, TensorInfo | undefined>; backend: BackendWasm; attrs: A };

function forward(before: KernelFunc, fused: boolean): KernelFunc {
  return ((args: Args<FusedConv2DAttrs>) => {
    const { inputs: { x, filter, bias }, backend, attrs } = args;
    const activation = fused ? attrs.activation : 'linear';
    if (!addon || attrs.dataFormat === 'NCHW' || (activation !== 'linear' && activation !== 'relu') || x!.dtype !== 'float32') {
      return before(args as never);
    }
    const info = backend_util.computeConv2DInfo(x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number],
      attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode);
    const out = backend.makeOutput(info.outShape, 'float32');
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.conv(params(Op.Forward, info, Boolean(bias), activation === 'relu'), view(x!), view(filter!), bias ? view(bias) : null, view(out));
    return out;
  }) as unknown as KernelFunc;
}

function backwardData(before: KernelFunc): KernelFunc {
  return ((args: Args<Conv2DBackpropInputAttrs>) => {
    const { inputs: { dy, filter }, backend, attrs } = args;
    if (!addon || attrs.dataFormat === 'NCHW') return before(args as never);
    const info = backend_util.computeConv2DInfo(attrs.inputShape, filter!.shape as [number, number, number, number],
      attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const out = backend.makeOutput(info.inShape, 'float32');
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.conv(params(Op.BackwardData, info, false, false), view(dy!), view(filter!), null, view(out));
    return out;
  }) as unknown as KernelFunc;
}

function backwardWeights(before: KernelFunc): KernelFunc {
  return ((args: Args<Conv2DBackpropFilterAttrs>) => {
    const { inputs: { x, dy }, backend, attrs } = args;
    if (!addon || attrs.dataFormat === 'NCHW') return before(args as never);
    const info = backend_util.computeConv2DInfo(x!.shape as [number, number, number, number], attrs.filterShape,
      attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const out = backend.makeOutput(attrs.filterShape, 'float32');
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    addon.conv(params(Op.BackwardWeights, info, false, false), view(x!), view(dy!), null, view(out));
    return out;
  }) as unknown as KernelFunc;
}

/** Builders by kernel name: each gets the kernel registered before it, to fall back on. */
export const onednnConvKernels: Readonly<Record<string, (before: KernelFunc) => KernelFunc>> = {
  Conv2D: (before) => forward(before, false),
  FusedConv2D: (before) => forward(before, true),
  Conv2DBackpropInput: backwardData,
  Conv2DBackpropFilter: backwardWeights,
};
