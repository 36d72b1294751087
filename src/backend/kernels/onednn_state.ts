// Whether the wasm kernels take the oneDNN path in this thread, the addon they call, and how they
// call it. Imports nothing at run time: the optimisers ask it (fused_*.ts) in modules the CLI
// loads without tfjs.
import type * as tfjs from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { OnednnAddon } from '../onednn.js';

let addon: OnednnAddon | null = null;

/** Turns the oneDNN path on (with the addon: wasm-onednn) or off (null: plain wasm). */
export function useOnednn(loaded: OnednnAddon | null): void {
  addon = loaded;
}

/** The addon while the oneDNN path is on, else null. */
export function onednn(): OnednnAddon | null {
  return addon;
}

/** Whether the engine's native kernel `kernelName` runs on `t`'s active backend: wasm with the oneDNN path on and the kernel registered. */
export function runsNative(t: typeof tfjs, kernelName: string): boolean {
  return t.getBackend() === 'wasm' && addon !== null && t.getKernel(kernelName, 'wasm') !== undefined;
}

/**
 * Makes `outputShapes` on the heap, then calls `compute` with the addon and Float32Array views of
 * `inputs` and those outputs, in that order; returns the outputs. The views are taken after every
 * makeOutput: one that grows the heap detaches the views taken before it.
 *
 * `reuse[k]`, where given, is an input whose buffer output k may take instead of a new one: it is
 * taken only when nothing else holds that buffer (refcount 1: no other tensor would see it
 * change) and it is float32 of the output's size; the output is then that buffer with one more
 * reference, as Identity returns one. The kernel must then read each element before it writes it.
 */
export function onHeap(backend: BackendWasm, inputs: readonly TensorInfo[], outputShapes: readonly number[][], compute: (addon: OnednnAddon, views: Float32Array[]) => void, reuse: readonly (TensorInfo | undefined)[] = []): TensorInfo[] {
  if (!addon) throw new Error('a oneDNN kernel ran while the oneDNN path is off (wasm-onednn only)');
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const taken = new Set<unknown>();
  const outputs = outputShapes.map((shape, k) => {
    const from = reuse[k];
    if (from && !taken.has(from.dataId) && from.dtype === 'float32' && size(from.shape) === size(shape) && backend.refCount(from.dataId) === 1) {
      taken.add(from.dataId);
      backend.incRef(from.dataId);
      // The backend's books keep the shape the buffer was made with (a reshaped gradient's may be
      // [1, 1, 1, C]), and some kernels read it there (_FusedMatMul's bias): it is the output's now.
      backend.dataIdMap.get(from.dataId)!.shape = [...shape];
      return { dataId: from.dataId, shape: [...shape], dtype: 'float32' } as TensorInfo;
    }
    return backend.makeOutput([...shape], 'float32');
  });
  compute(addon, [...inputs, ...outputs].map((t) => backend.typedArrayFromHeap(t) as Float32Array));
  return outputs;
}
