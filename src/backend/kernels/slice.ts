// Slice for wasm. The stock kernel copies a 4-D slice one innermost run at a time, through a new
// subarray per run: the gradient of a padding layer (dy without its border) made ~57,000 such
// objects per Fashion-MNIST step, 5% of a worker's time with the garbage collector's share on
// top. Here the trailing axes the slice takes whole are merged into one run, and the runs are
// moved with copyWithin on the heap itself: no allocation per run, memmove speed.
import { backend_util, getKernel, slice_util, util, type KernelFunc, type SliceAttrs, type SplitVAttrs, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './overrides.js';

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Copies the box [begin, begin + size) of a row-major array of `shape` at byte `from` to byte `to`
 * of `heap`, as contiguous runs. Exported for its test.
 */
export function copyBox(heap: Uint8Array, from: number, to: number, shape: readonly number[], begin: readonly number[], size: readonly number[], bytes: number): void {
  const rank = shape.length;
  const strides = [...util.computeStrides(shape as number[]), 1].map((s) => s * bytes);
  // The run: the innermost axis the box does not take whole, and every axis after it.
  let axis = rank - 1;
  while (axis > 0 && size[axis] === shape[axis]) axis--;
  const run = size[axis] * strides[axis];
  const outer = size.slice(0, axis);
  const count = outer.reduce((a, b) => a * b, 1);
  if (run === 0 || count === 0) return;
  const index = new Array<number>(axis).fill(0);
  let src = from + begin.reduce((at, b, k) => at + b * strides[k], 0);
  for (let n = 0; n < count; n++) {
    heap.copyWithin(to + n * run, src, src + run);
    // Next outer index (an odometer), moving src by the strides it skips.
    for (let k = axis - 1; k >= 0; k--) {
      if (++index[k] < outer[k]) {
        src += strides[k];
        break;
      }
      index[k] = 0;
      src -= (outer[k] - 1) * strides[k];
    }
  }
}

function build(stock: KernelFunc | null): KernelFunc {
  if (!stock) throw new Error('the wasm backend has no stock Slice kernel to fall back on');
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const bytes = BYTES[x.dtype];
    if (bytes === undefined || x.shape.length === 0) return stock(args);
    const backend = args.backend as BackendWasm;
    const attrs = args.attrs as unknown as SliceAttrs;
    const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size);
    const out = backend.makeOutput(size, x.dtype);
    // Offsets after makeOutput: the heap may have grown (and moved) for it.
    const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const heap = new Uint8Array(backend.typedArrayFromHeap(out).buffer);
    copyBox(heap, offset(x), offset(out), x.shape, begin, size, bytes);
    return out;
  };
}

export const sliceOverride: KernelOverride = { kernelName: 'Slice', build };

/**
 * SplitV (the gradient of a concatenation: Inception's branches, DenseNet's growing maps) as the
 * stock kernel computes it, a slice per piece, but through the Slice registered now (the one
 * above) instead of the stock slice it imports directly: the seed Inception-ResNet's 7 splits of
 * a step took 153 ms of its ~1,000 (16%) on the stock path.
 */
export const splitVOverride: KernelOverride = {
  kernelName: 'SplitV',
  build: () => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    const slice = getKernel('Slice', 'wasm');
    if (!slice) throw new Error('SplitV needs the wasm Slice kernel, which is not registered');
    const at = util.parseAxisParam(axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x as never, numOrSizeSplits, at);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[at] = n;
      const piece = slice.kernelFunc({ inputs: { x }, attrs: { begin: [...begin], size }, backend: args.backend }) as TensorInfo;
      begin[at] += n;
      return piece;
    });
  },
};
