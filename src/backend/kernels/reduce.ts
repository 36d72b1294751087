// Sum and Mean for wasm over a contiguous run of axes that stops before the last one (per-channel
// statistics, global average pooling, bias and BatchNorm gradients). The stock kernels first
// transpose the reduced axes innermost, with the slow gather described in layout.ts (~9 ms for a
// 28x28x16 batch of 128); XNNPACK's average pooling reads the data once in place (~0.5 ms).
//
// Derivation: view x as [outer, r, 1, inner] (r = product of the reduced axes); an average pool
// with an r x 1 window and no padding gives mean[o, i] = (1/r) sum_k x[o, k, i]; sum = r * mean.
import { util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './overrides.js';
import { reshaped, withScratch } from './scratch.js';

/** [outer, reduced, inner] when `axes` are contiguous and leave the last axis alone; else null. */
export function poolableReduction(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  const sorted = [...axes].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (sorted.length === 0 || last >= shape.length - 1 || last - first + 1 !== sorted.length) return null;
  const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  return [size(0, first), size(first, last + 1), size(last + 1, shape.length)];
}

function pooledReduction(kind: 'sum' | 'mean', stock: KernelFunc | null): KernelFunc {
  if (!stock) throw new Error(`the wasm backend has no stock ${kind} kernel to fall back on`);
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as NamedAttrMap as { axis: number | number[]; keepDims: boolean };
    const axes = util.parseAxisParam(axis, x.shape);
    const split = x.dtype === 'float32' ? poolableReduction(x.shape, axes) : null;
    if (split === null) return stock(args);
    const [outer, reduced, inner] = split;
    return withScratch(args.backend as BackendWasm, (s) => {
      const pooled = s.run('AvgPool', { x: reshaped(x, [outer, reduced, 1, inner]) }, { filterSize: [reduced, 1], strides: [1, 1], pad: 'valid' });
      if (kind === 'sum') {
        const values = s.view(pooled);
        for (let i = 0; i < values.length; i++) values[i] *= reduced;
      }
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const shape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
      return { ...pooled, shape };
    });
  };
}

export const sumOverride: KernelOverride = { kernelName: 'Sum', build: (stock) => pooledReduction('sum', stock) };
export const meanOverride: KernelOverride = { kernelName: 'Mean', build: (stock) => pooledReduction('mean', stock) };
