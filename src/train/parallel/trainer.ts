// Data-parallel training steps on worker threads (DDP's scheme, on one machine): each worker
// holds a replica of the model on its own backend instance and computes the gradient of its
// shard of the batch; this thread averages the gradients, applies one optimiser update to the
// stage's model (so evaluation, checkpoints and the saved model read it as after a step on this
// thread) and leaves the updated weights in shared memory for the workers' next step.
//
// The mean loss over a batch of B images split into shards of n_k is sum_k (n_k / B) * L_k, so
// its gradient is the same weighted sum of the shards' gradients: equal to one worker's up to
// float rounding, except where the split itself changes the computation (shards.ts).
import type * as tfjs from '@tensorflow/tfjs';
import type { Worker } from 'node:worker_threads';
import { activeBackendKind } from '../../backend/index.js';
import type { ResolvedStage } from '../../config/types.js';
import type { EpochBatch } from '../../data/loader.js';
import { siblingModule, startModuleWorker } from '../../data/module-worker.js';
import { deserializeError } from '../../data/thread-errors.js';
import { JobError } from '../../errors.js';
import { dropoutClock } from '../../graph/layers/index.js';
import type { Tf } from '../losses.js';
import type { MetricAccumulator } from '../metrics.js';
import { createOptimizer, type EngineOptimizer } from '../optimizers/index.js';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';
import { copyOut, otherWeights, SharedArrays, tensorFrom, type SharedLayout } from './shared.js';
import { shardRows } from './shards.js';
import type { StageTrainer } from './stage-trainer.js';

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

interface Waiting {
  readonly type: FromWorker['type'];
  resolve(reply: FromWorker): void;
  reject(error: Error): void;
}

/** One worker thread and the reply it owes, if any (a worker answers one request at a time). */
class WorkerLink {
  private waiting: Waiting | null = null;
  private failure: Error | null = null;

  constructor(readonly index: number, private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      const w = this.take();
      if (!w) return;
      if (m.type === 'failed') w.reject(deserializeError(m.error, `training worker ${index}`));
      else if (m.type !== w.type) w.reject(new Error(`training worker ${index} answered ${m.type}, expected ${w.type}`));
      else w.resolve(m);
    });
    worker.on('error', (e) => this.fail(new JobError(`training worker ${index} failed: ${e.message}`)));
    worker.on('exit', (code) => this.fail(new JobError(`training worker ${index} stopped (exit code ${code})`, 'a worker that runs out of memory stops this way: try fewer workers or a smaller batch_size')));
  }

  /** Sends `message` (if any) and waits for the reply of type `type`. */
  request<T extends FromWorker['type']>(type: T, message?: ToWorker): Promise<Reply<T>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error(`training worker ${this.index} is busy`));
    return new Promise<FromWorker>((resolve, reject) => {
      this.waiting = { type, resolve, reject };
      // Referenced only while a reply is owed: an idle worker never keeps the process alive.
      this.worker.ref();
      if (message) this.worker.postMessage(message);
    }) as Promise<Reply<T>>;
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error(`training worker ${this.index} was closed`);
    this.take()?.reject(this.failure);
    await this.worker.terminate();
  }

  private take(): Waiting | null {
    const w = this.waiting;
    this.waiting = null;
    this.worker.unref();
    return w;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.take()?.reject(this.failure);
  }
}

export class ParallelTrainer implements StageTrainer {
  /** Whether the workers hold the model's current weights (set at the first step). */
  private loaded = false;
  /** The averaged gradient, and (more than two workers) its running sum in double. */
  private readonly averaged: Float32Array;
  private sum: Float64Array | null = null;

  private constructor(
    private readonly tf: Tf,
    private readonly model: tfjs.LayersModel,
    private readonly links: readonly WorkerLink[],
    private readonly shared: SharedArrays,
    readonly optimizer: EngineOptimizer,
    /** The backend kind the workers train on: the training thread's. */
    readonly backend: string,
  ) {
    this.averaged = new Float32Array(shared.params.length);
  }

  /** Starts `workers` threads, each with the stage's model on the active backend (wasm or cpu). */
  static async open(tf: Tf, stage: ResolvedStage, model: tfjs.LayersModel, workers: number): Promise<ParallelTrainer> {
    const trainable = model.trainableWeights;
    const others = otherWeights(model);
    const layout: SharedLayout = {
      workers,
      paramSizes: trainable.map((w) => sizeOf(w.shape)),
      stateSizes: others.map((w) => sizeOf(w.shape)),
      maxBatch: stage.batch_size,
      inputSize: sizeOf(model.inputs[0].shape.slice(1)),
      outputSize: stage.kind === 'classify' ? sizeOf(model.outputs[0].shape.slice(1)) : 0,
    };
    const shared = SharedArrays.allocate(layout);
    // Made first: a bad optimiser setting fails before any thread starts.
    const optimizer = createOptimizer(stage.optimizer!, trainable.map((w) => w.read() as tfjs.Variable));
    const module = siblingModule(import.meta.url, 'worker');
    const backend = activeBackendKind(tf);
    const links = Array.from({ length: workers }, (_, index) => {
      const setup: WorkerSetup = {
        index,
        backend,
        topology: model.toJSON(null, true) as string,
        trainable: trainable.map((w) => w.originalName),
        others: others.map((w) => w.originalName),
        stage,
        layout,
        buffers: shared.buffers,
      };
      return new WorkerLink(index, startModuleWorker(module, setup));
    });
    try {
      const started = await Promise.all(links.map((l) => l.request('ready')));
      // A worker on another backend would round differently from the thread it stands in for.
      const other = started.find((r) => r.backend !== backend);
      if (other) throw new Error(`a training worker started the ${other.backend} backend, not ${backend}`);
    } catch (e) {
      optimizer.dispose();
      await Promise.all(links.map((l) => l.terminate()));
      throw e;
    }
    return new ParallelTrainer(tf, model, links, shared, optimizer, backend);
  }

  async step(batch: EpochBatch, lr: number, acc: MetricAccumulator): Promise<number> {
    const { tf, shared } = this;
    if (!this.loaded) {
      // The model's weights as the stage left them before its first step (initialised, started
      // from another stage, or restored from a checkpoint): every worker starts from these.
      this.model.trainableWeights.forEach((w, i) => copyOut(tf, w.read(), shared.param(i)));
      this.others().forEach((v, i) => copyOut(tf, v, shared.stateOf(i)));
      await Promise.all(this.links.map((l) => l.request('loaded', { type: 'load' })));
      this.loaded = true;
    }
    const rows = batch.shape[0];
    shared.x.set(batch.x);
    if (batch.y) shared.y.set(batch.y);
    if (batch.target) shared.target.set(batch.target);
    const shards = shardRows(rows, this.links.length);
    // Each worker's dropout masks come from its own stream of steps: step * workers + k.
    const clock = dropoutClock.step * this.links.length;
    const losses = await Promise.all(shards.map((s, k) =>
      s.n === 0 ? null : this.links[k].request('stepped', { type: 'step', offset: s.offset, n: s.n, clock: clock + k, labels: batch.y !== null, target: batch.target !== null, keepState: k === 0 }),
    ));
    let loss = 0;
    shards.forEach((s, k) => (loss += (s.n / rows) * (losses[k]?.loss ?? 0)));
    this.update(this.average(shards.map((s) => s.n / rows)), lr);
    const logits = this.shared.layout.outputSize > 0 ? tensorFrom(tf, shared.out.subarray(0, rows * shared.layout.outputSize), [rows, shared.layout.outputSize]) : null;
    acc.add(tf, loss, rows, logits, batch.y);
    logits?.dispose();
    return loss;
  }

  async close(): Promise<void> {
    this.optimizer.dispose();
    await Promise.all(this.links.map((l) => l.terminate()));
  }

  /** The mean gradient: sum over workers of weight_k * grad_k, summed in double, rounded once. */
  private average(weights: readonly number[]): Float32Array {
    const active = weights.flatMap((w, k) => (w > 0 ? [k] : []));
    const out = this.averaged;
    const grads = active.map((k) => this.shared.gradsOf(k));
    const w = active.map((k) => weights[k]);
    if (active.length === 1) return grads[0];
    if (active.length === 2) {
      // Two workers (one per core here): one pass over both gradients.
      const [g0, g1, w0, w1] = [grads[0], grads[1], w[0], w[1]];
      for (let i = 0; i < out.length; i++) out[i] = w0 * g0[i] + w1 * g1[i];
      return out;
    }
    const sum = (this.sum ??= new Float64Array(out.length));
    sum.fill(0);
    grads.forEach((g, j) => {
      for (let i = 0; i < g.length; i++) sum[i] += w[j] * g[i];
    });
    out.set(sum);
    return out;
  }

  /**
   * One optimiser step of the stage's model with the averaged gradient; then the updated weights
   * go to shared memory for the workers, and the model takes worker 0's statistics. The update
   * runs as tfjs kernels on this thread's backend: a fused JavaScript pass over the shared
   * weights measured 2.2x to 2.8x slower on the seed ResNet (docs/benchmarks.md).
   */
  private update(grads: Float32Array, lr: number): void {
    const { tf, shared } = this;
    const vars = this.model.trainableWeights.map((w) => w.read() as tfjs.Variable);
    const tensors = vars.map((v, i) => tf.tensor(grads.subarray(shared.paramOffsets[i], shared.paramOffsets[i] + v.size), v.shape, 'float32'));
    try {
      this.optimizer.step(tensors, lr);
    } finally {
      tf.dispose(tensors);
    }
    vars.forEach((v, i) => copyOut(tf, v, shared.param(i)));
    this.others().forEach((v, i) => tf.tidy(() => v.assign(tensorFrom(tf, shared.stateOf(i), v.shape))));
  }

  private others(): tfjs.Variable[] {
    return otherWeights(this.model).map((w) => w.read() as tfjs.Variable);
  }
}

function sizeOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}
