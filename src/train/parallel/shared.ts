// The memory a stage's training thread and its workers share (SharedArrayBuffers: written in
// place, never copied through messages). Between steps nobody writes; during a step each worker
// writes its own block of `grads` and its own rows of `out`, then (after the barrier) the updated
// values of the params it owns (ownedPieces), and worker 0 the state.
//
//   params  every trainable weight end to end (model.trainableWeights order)
//   grads   one params-sized block per worker: the gradient of its shard's mean loss
//   state   every other weight (BatchNorm statistics, frozen layers), as worker 0 leaves them
//   x, y, target   the batch (float32 NHWC inputs, int32 labels, float32 clean images)
//   out     the model's output per image (logits), for the step's metrics
//   barrier  int32 [arrived, generation, aborted]: the workers' meeting point within a step
//   stats   float64, two regions of one row per worker: BatchNorm's per-channel statistics and
//           sums, which the workers with rows exchange at every BatchNorm of a step (allGather),
//           on their own barrier

import type * as tfjs from '@tensorflow/tfjs';

export interface SharedLayout {
  readonly workers: number;
  /** Values per trainable weight, in order. */
  readonly paramSizes: readonly number[];
  /** Values per non-trainable weight, in order. */
  readonly stateSizes: readonly number[];
  /** The largest batch (the stage's batch size). */
  readonly maxBatch: number;
  /** Values per image of the input (and of a reconstruction target) and of the output. */
  readonly inputSize: number;
  readonly outputSize: number;
  /** Values a worker gives to one exchange of BatchNorm's sums at most (0: none is made). */
  readonly statsWidth: number;
}

export interface SharedBuffers {
  readonly params: SharedArrayBuffer;
  readonly grads: SharedArrayBuffer;
  readonly state: SharedArrayBuffer;
  readonly x: SharedArrayBuffer;
  readonly y: SharedArrayBuffer;
  readonly target: SharedArrayBuffer;
  readonly out: SharedArrayBuffer;
  readonly barrier: SharedArrayBuffer;
  readonly stats: SharedArrayBuffer;
}

/** Part of trainable weight `weight`: its values [from, to) (flat), at `at` in params. */
export interface Piece {
  readonly weight: number;
  readonly from: number;
  readonly to: number;
  readonly at: number;
}

/** Where the parameters are cut between workers: a multiple of this many values (SIMD-friendly). */
const CUT_ALIGN = 64;

export class SharedArrays {
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly state: Float32Array;
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly target: Float32Array;
  readonly out: Float32Array;
  readonly barrier: Int32Array;
  /** The barrier of the exchanges of BatchNorm's statistics (allGather), and their values. */
  readonly statsBarrier: Int32Array;
  readonly stats: Float64Array;
  /** Where each weight starts in params (resp. state). */
  readonly paramOffsets: readonly number[];
  readonly stateOffsets: readonly number[];

  private constructor(readonly layout: SharedLayout, readonly buffers: SharedBuffers) {
    this.params = new Float32Array(buffers.params);
    this.grads = new Float32Array(buffers.grads);
    this.state = new Float32Array(buffers.state);
    this.x = new Float32Array(buffers.x);
    this.y = new Int32Array(buffers.y);
    this.target = new Float32Array(buffers.target);
    this.out = new Float32Array(buffers.out);
    this.barrier = new Int32Array(buffers.barrier, 0, 3);
    this.statsBarrier = new Int32Array(buffers.barrier, 12, 3);
    this.stats = new Float64Array(buffers.stats);
    this.paramOffsets = offsets(layout.paramSizes);
    this.stateOffsets = offsets(layout.stateSizes);
  }

  static allocate(layout: SharedLayout): SharedArrays {
    const total = (sizes: readonly number[]) => sizes.reduce((a, b) => a + b, 0);
    const floats = (n: number) => new SharedArrayBuffer(4 * n);
    const images = layout.maxBatch * layout.inputSize;
    return new SharedArrays(layout, {
      params: floats(total(layout.paramSizes)),
      grads: floats(layout.workers * total(layout.paramSizes)),
      state: floats(total(layout.stateSizes)),
      x: floats(images),
      y: floats(layout.maxBatch),
      target: floats(images),
      out: floats(layout.maxBatch * layout.outputSize),
      barrier: new SharedArrayBuffer(4 * 6),
      stats: new SharedArrayBuffer(8 * 2 * layout.workers * layout.statsWidth),
    });
  }

  /** The same memory, seen from a worker. */
  static attach(layout: SharedLayout, buffers: SharedBuffers): SharedArrays {
    return new SharedArrays(layout, buffers);
  }

  /** Trainable weight i (a view). */
  param(i: number): Float32Array {
    return this.params.subarray(this.paramOffsets[i], this.paramOffsets[i] + this.layout.paramSizes[i]);
  }

  /** Worker k's gradient block, or its part for weight i (views). */
  gradsOf(k: number, i?: number): Float32Array {
    const size = this.params.length;
    if (i === undefined) return this.grads.subarray(k * size, (k + 1) * size);
    const start = k * size + this.paramOffsets[i];
    return this.grads.subarray(start, start + this.layout.paramSizes[i]);
  }

  /**
   * The parameters worker k reduces and updates: an equal share of params (cut at multiples of
   * CUT_ALIGN), as the parts of the weights it covers. The shares of all workers tile params.
   */
  ownedPieces(k: number): Piece[] {
    const total = this.params.length;
    const cut = (j: number) => Math.min(total, Math.round((j * total) / this.layout.workers / CUT_ALIGN) * CUT_ALIGN);
    const [start, end] = [cut(k), k + 1 === this.layout.workers ? total : cut(k + 1)];
    const pieces: Piece[] = [];
    this.layout.paramSizes.forEach((size, weight) => {
      const offset = this.paramOffsets[weight];
      const [a, b] = [Math.max(start, offset), Math.min(end, offset + size)];
      if (a < b) pieces.push({ weight, from: a - offset, to: b - offset, at: a });
    });
    return pieces;
  }

  /**
   * Worker k's part in gathering `values` from workers 0 .. active - 1 (those with rows in the
   * step): every one gets every worker's, in worker order (copies). Each call is one meeting of
   * those workers, all giving as many values; consecutive calls alternate between the two regions
   * of stats, so a fast worker's next values never overwrite ones another has still to read.
   */
  allGather(k: number, active: number, values: Float64Array): Float64Array[] {
    const width = this.layout.statsWidth;
    if (values.length > width) throw new Error(`batchnorm's statistics exchange got ${values.length} values; room was made for ${width}`);
    const region = (Atomics.load(this.statsBarrier, GENERATION) & 1) * this.layout.workers * width;
    this.stats.set(values, region + k * width);
    arriveAndWait(this.statsBarrier, active);
    return Array.from({ length: active }, (_, j) => this.stats.slice(region + j * width, region + j * width + values.length));
  }

  /** Abandons the step: every worker waiting at either barrier, or arriving later, throws StepAborted. */
  abandon(): void {
    abandonStep(this.barrier);
    abandonStep(this.statsBarrier);
  }

  /** Non-trainable weight i (a view). */
  stateOf(i: number): Float32Array {
    return this.state.subarray(this.stateOffsets[i], this.stateOffsets[i] + this.layout.stateSizes[i]);
  }
}

/** The barrier's int32s: the workers arrived this step, the step's generation, and whether the
 *  step was abandoned (a worker failed, the trainer closed), which makes a waiting worker give up. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;

export class StepAborted extends Error {
  constructor() {
    super('the step was abandoned (another training worker failed, or the trainer closed)');
  }
}

/**
 * Blocks until all `workers` have arrived (called once per meeting by each, from worker threads:
 * Atomics.wait may not block the main thread). Throws StepAborted if the step is abandoned.
 */
export function arriveAndWait(barrier: Int32Array, workers: number): void {
  if (Atomics.load(barrier, ABORTED) !== 0) throw new StepAborted();
  const generation = Atomics.load(barrier, GENERATION);
  if (Atomics.add(barrier, ARRIVED, 1) === workers - 1) {
    Atomics.store(barrier, ARRIVED, 0);
    Atomics.add(barrier, GENERATION, 1);
    Atomics.notify(barrier, GENERATION);
    return;
  }
  for (;;) {
    if (Atomics.load(barrier, ABORTED) !== 0) throw new StepAborted();
    if (Atomics.load(barrier, GENERATION) !== generation) return;
    Atomics.wait(barrier, GENERATION, generation, 1000);
  }
}

/** Abandons the step: every worker waiting at the barrier, or arriving later, throws StepAborted. */
export function abandonStep(barrier: Int32Array): void {
  Atomics.store(barrier, ABORTED, 1);
  Atomics.add(barrier, GENERATION, 1);
  Atomics.notify(barrier, GENERATION);
}

function offsets(sizes: readonly number[]): number[] {
  let at = 0;
  return sizes.map((s) => (at += s) - s);
}

/**
 * A model's weights that do not train (BatchNorm statistics, frozen layers), in model order. Not
 * `!w.trainable`: a layer frozen after it was built marks its weights so, but one built frozen
 * (the replica, from the topology) leaves them marked trainable and only the layer says it is not.
 */
export function otherWeights<W>(model: { readonly weights: readonly W[]; readonly trainableWeights: readonly W[] }): W[] {
  const trainable = new Set(model.trainableWeights);
  return model.weights.filter((w) => !trainable.has(w));
}

// Per step every worker moves the whole model through shared memory twice (weights in, gradients
// out). Through dataSync and a defensive slice that made ~3 MB of fresh ArrayBuffers per worker
// per step, and V8 ran a full mark-compact every few steps for that external memory alone. On
// wasm the heap is copied from and to directly instead.

type TensorModule = typeof tfjs;
interface HeapBackend { typedArrayFromHeap(t: tfjs.TensorInfo): Float32Array }

/** Copies a float32 tensor's values into `target`: straight from the wasm heap on wasm, else through dataSync. */
export function copyOut(tf: TensorModule, t: tfjs.Tensor, target: Float32Array): void {
  if (tf.getBackend() === 'wasm') target.set((tf.backend() as unknown as HeapBackend).typedArrayFromHeap(t));
  else target.set(t.dataSync() as Float32Array);
}

/**
 * A float32 tensor of `values`, which may be shared memory: wasm copies them into its heap as it
 * makes the tensor; elsewhere they are copied first (the cpu backend would keep a view of them).
 */
export function tensorFrom(tf: TensorModule, values: Float32Array, shape: readonly number[]): tfjs.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? values : values.slice(), [...shape], 'float32');
}
