// Identity, and Cast to the dtype a tensor already has, on wasm: share the buffer (one more
// reference) instead of copying it. tfjs clones every tensor it saves for a gradient (hundreds per
// training step) through Identity; the cpu backend shares there too, and no tfjs kernel writes
// into its inputs, so a shared buffer is never changed under a tensor.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './overrides.js';

function share(x: TensorInfo, backend: BackendWasm): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function stockOf(name: string, stock: KernelFunc | null): KernelFunc {
  if (!stock) throw new Error(`the wasm backend has no stock ${name} kernel to fall back on`);
  return stock;
}

export const identityOverride: KernelOverride = {
  kernelName: 'Identity',
  build: (stock) => {
    const fallback = stockOf('Identity', stock);
    return (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      // Strings live outside the heap; the stock kernel handles them.
      return x.dtype === 'string' ? fallback(args) : share(x, args.backend as BackendWasm);
    };
  },
};

export const castOverride: KernelOverride = {
  kernelName: 'Cast',
  build: (stock) => {
    const fallback = stockOf('Cast', stock);
    return (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      return x.dtype !== 'string' && x.dtype === args.attrs?.dtype ? share(x, args.backend as BackendWasm) : fallback(args);
    };
  },
};
