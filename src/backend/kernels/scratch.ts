// Engine kernels on the wasm backend are compositions of the backend's own XNNPACK kernels. A
// Scratch runs those kernels on the backend's heap and frees every intermediate it made, so an
// engine kernel leaves exactly one new buffer behind: its output.
import { getKernel, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export class Scratch {
  private readonly temps: TensorInfo[] = [];
  private readonly aliases: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  /** Runs the wasm backend's own kernel `name`; its output is freed by `release` unless kept. */
  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(name, 'wasm');
    if (!kernel) throw new Error(`engine kernel needs the wasm kernel '${name}', which is not registered`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  /** Adopts a buffer made outside `run` (e.g. by a stock kernel called directly) as an intermediate. */
  keep(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }

  /** A fresh heap buffer (uninitialised memory: callers fill every element). */
  alloc(shape: number[]): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    this.temps.push(out);
    return out;
  }

  /**
   * A second id for t's buffer that does not own it. XNNPACK's matrix product keeps its packed copy
   * of the right-hand operand per id until that id is disposed: a product run on an alias leaves
   * no copy behind once the alias goes (at release; the buffer itself stays t's).
   */
  alias(t: TensorInfo): TensorInfo {
    const out = this.backend.makeOutput([...t.shape], t.dtype, this.backend.getMemoryOffset(t.dataId));
    this.aliases.push(out);
    return out;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Copies the box [begin, begin + size) out of x; returns x itself when the box is all of it. */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  /** Float32 view of a buffer on the heap. Views die when the heap grows: take them after the last alloc. */
  view(t: TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }

  /** Frees intermediates early (inside loops), so the heap holds one iteration's worth at a time. */
  free(...ts: TensorInfo[]): void {
    for (const t of ts) {
      const i = this.temps.findIndex((u) => u.dataId === t.dataId); // t may be a reshaped() view
      if (i >= 0) this.temps.splice(i, 1);
      this.backend.disposeData(t.dataId);
    }
  }

  /** Frees every intermediate except the outputs in `keep` (none when null), and returns `keep`. */
  release<T extends TensorInfo | TensorInfo[] | null>(keep: T): T {
    const kept = new Set(keep === null ? [] : (Array.isArray(keep) ? keep : [keep]).map((t) => t.dataId));
    for (const t of this.temps) if (!kept.has(t.dataId)) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
    // An alias leaves the backend's books (and XNNPACK's caches, through the disposal callbacks
    // dispose_data runs) without the free() that disposeData would do to its buffer.
    for (const a of this.aliases) {
      const entry = this.backend.dataIdMap.get(a.dataId);
      if (!entry) continue;
      this.backend.wasm.tfjs.disposeData(entry.id);
      this.backend.dataIdMap.delete(a.dataId);
    }
    this.aliases.length = 0;
    return keep;
  }
}

/**
 * Runs an engine kernel's body with a Scratch whose intermediates are freed however it ends; the
 * body returns the kernel's output, or its outputs (distinct buffers) for a multi-output kernel.
 */
export function withScratch<T extends TensorInfo | TensorInfo[]>(backend: BackendWasm, body: (s: Scratch) => T): T {
  const s = new Scratch(backend);
  try {
    return s.release(body(s));
  } catch (e) {
    s.release(null);
    throw e;
  }
}

/** Same buffer, another shape of the same size (what Reshape does, without touching refcounts). */
export function reshaped(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, dtype: t.dtype, shape };
}

/**
 * Along one spatial axis: given how many leading/trailing elements a conv wants added (positive,
 * zero padding) or removed (negative), the slice of the tensor to keep and the pads to pass on.
 */
export function fitAxis(length: number, before: number, after: number): { begin: number; size: number; padBefore: number; padAfter: number } {
  const begin = Math.max(0, -before);
  const end = length - Math.max(0, -after);
  return { begin, size: Math.max(0, end - begin), padBefore: Math.max(0, before), padAfter: Math.max(0, after) };
}
