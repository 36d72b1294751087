// Tile for wasm (also what tf.broadcastTo runs). The stock kernel computes every output element's
// source index with a division per axis (~10 ns/element); a tile is repeated copying, so here each
// axis's block is written once and then doubled with copyWithin (memcpy speed).
//
// Derivation: out[i_0, ..., i_r] = x[i_0 mod d_0, ..., i_r mod d_r]. Along axis k the output is
// reps_k copies of the block built for axes k.. (itself d_k sub-blocks, one per source index).
import { util, type KernelFunc, type TensorInfo, type TileAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './overrides.js';

type Typed = Float32Array | Int32Array | Uint8Array;

/** Writes x tiled by `reps` into out (its size is prod(shape[k] * reps[k])). */
export function tileInto(src: Typed, shape: readonly number[], reps: readonly number[], out: Typed): void {
  const rank = shape.length;
  const srcStrides = util.computeStrides(shape as number[]);
  // outBlock[k]: elements of the output block spanned by axes k.. (one index on the axes before).
  const outBlock = new Array<number>(rank + 1).fill(1);
  for (let k = rank - 1; k >= 0; k--) outBlock[k] = outBlock[k + 1] * shape[k] * reps[k];
  const fill = (axis: number, from: number, to: number): void => {
    const sub = outBlock[axis + 1];
    if (axis === rank - 1) out.set(src.subarray(from, from + shape[axis]), to);
    else for (let i = 0; i < shape[axis]; i++) fill(axis + 1, from + i * srcStrides[axis], to + i * sub);
    const once = shape[axis] * sub;
    for (let done = once; done < once * reps[axis]; done *= 2) {
      out.copyWithin(to + done, to, to + Math.min(done, once * reps[axis] - done));
    }
  };
  if (rank === 0) out[0] = src[0];
  else fill(0, 0, 0);
}

function build(stock: KernelFunc | null): KernelFunc {
  if (!stock) throw new Error('the wasm backend has no stock Tile kernel to fall back on');
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { reps } = args.attrs as unknown as TileAttrs;
    if (x.dtype === 'string' || x.dtype === 'complex64') return stock(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(x.shape.map((d, i) => d * reps[i]), x.dtype);
    tileInto(backend.typedArrayFromHeap(x) as Typed, x.shape, reps, backend.typedArrayFromHeap(out) as Typed);
    return out;
  };
}

export const tileOverride: KernelOverride = { kernelName: 'Tile', build };
