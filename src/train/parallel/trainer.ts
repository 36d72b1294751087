// Data-parallel training steps on worker threads (DDP's scheme, on one machine): each worker
// holds a replica of the model on its own backend instance and computes the gradient of its
// shard of the batch; then each sums the workers' gradients over its own share of the
// parameters and updates that share with its part of the optimiser's state, in shared memory
// (worker.ts), so no part of a step runs on one thread while the others wait. This thread only
// hands out the work; the stage's model and optimiser take the workers' values when the loop
// asks (sync: before an evaluation, a checkpoint, the stage's end). Evaluation runs on the
// workers too, each its rows of a val batch.
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
import { createOptimizer, type EngineOptimizer, type OptimizerState } from '../optimizers/index.js';
import type { FromWorker, PiecesState, ToWorker, WorkerSetup } from './messages.js';
import { copyOut, otherWeights, SharedArrays, tensorFrom, type Piece, type SharedLayout } from './shared.js';
import { shardRows, syncsBatchStats, type Shard } from './shards.js';
import type { StageTrainer } from './stage-trainer.js';

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** Errors of workers that gave up a step because another failed: not the cause. */
const abandoned = new WeakSet<Error>();

interface Waiting {
  readonly type: FromWorker['type'];
  resolve(reply: FromWorker): void;
  reject(error: Error): void;
}

/** One worker thread and the reply it owes, if any (a worker answers one request at a time). */
class WorkerLink {
  private waiting: Waiting | null = null;
  private failure: Error | null = null;

  /** `stopped`: called once the thread errs or exits, so the others stop waiting for it at a barrier. */
  constructor(readonly index: number, private readonly worker: Worker, private readonly stopped: () => void) {
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      const w = this.take();
      if (!w) return;
      if (m.type === 'failed') {
        const error = deserializeError(m.error, `training worker ${index}`);
        if (m.abandoned) abandoned.add(error);
        w.reject(error);
      }
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
    // A thread that stops mid-step never arrives where the others wait for it (the step's barrier,
    // a BatchNorm's exchange): the step is abandoned, or their replies would never come.
    this.stopped();
    this.take()?.reject(this.failure);
  }
}

export class ParallelTrainer implements StageTrainer {
  /** Whether the workers hold the model's current weights and optimiser state (set at the first step). */
  private loaded = false;
  /** Whether the workers have stepped since the model and the optimiser took their values. */
  private stale = false;
  /** A step that failed leaves the workers' values part-updated: every later call says why. */
  private broken: Error | null = null;
  /** Steps taken, and the count at the last evaluation (the workers then hold those weights). */
  private steps = 0;
  private evaluatedSince = -1;

  private constructor(
    private readonly tf: Tf,
    private readonly model: tfjs.LayersModel,
    private readonly links: readonly WorkerLink[],
    private readonly shared: SharedArrays,
    /** The stage's optimiser: it never steps here; it holds the state a checkpoint saves and a resume loads. */
    readonly optimizer: EngineOptimizer,
    /** The backend kind the workers train on: the training thread's. */
    readonly backend: string,
  ) {}

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
      statsWidth: syncsBatchStats(stage, workers) ? 2 * perChannelMax(model) + 1 : 0,
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
      return new WorkerLink(index, startModuleWorker(module, setup), () => shared.abandon());
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
    const shards = await this.handOut(batch);
    const shares = shards.map((s) => s.n / batch.shape[0]);
    // Each worker's dropout masks come from its own stream of steps: step * workers + k.
    const clock = dropoutClock.step * this.links.length;
    // Every worker takes part, with rows or without: each updates its share of the parameters.
    this.stale = true;
    this.steps++;
    const settled = await Promise.allSettled(shards.map((s, k) =>
      this.links[k].request('stepped', { type: 'step', offset: s.offset, n: s.n, clock: clock + k, labels: batch.y !== null, target: batch.target !== null, keepState: k === 0, shares, lr }),
    ));
    const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failed.length) throw (this.broken = failed.find((e) => !abandoned.has(e)) ?? failed[0]);
    let loss = 0;
    settled.forEach((r, k) => (loss += shares[k] * (r as PromiseFulfilledResult<Reply<'stepped'>>).value.loss));
    this.collect(batch, loss, acc);
    return loss;
  }

  /**
   * The batch in eval mode on the workers, each its rows (shardRows), with the last step's weights
   * and worker 0's statistics: the batch's mean loss is the shares' weighted sum of theirs.
   */
  async evaluate(batch: EpochBatch, acc: MetricAccumulator): Promise<void> {
    const shards = await this.handOut(batch);
    // The workers' weights are the last step's until the next: taken once per evaluation.
    const load = this.evaluatedSince !== this.steps;
    const settled = await Promise.allSettled(shards.map((s, k) => (s.n === 0 ? Promise.resolve({ type: 'evaluated', loss: 0 } as const) :
      this.links[k].request('evaluated', { type: 'evaluate', offset: s.offset, n: s.n, labels: batch.y !== null, target: batch.target !== null, load }))));
    const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failed.length) throw (this.broken = failed[0]);
    this.evaluatedSince = this.steps;
    let loss = 0;
    settled.forEach((r, k) => (loss += (shards[k].n / batch.shape[0]) * (r as PromiseFulfilledResult<Reply<'evaluated'>>).value.loss));
    this.collect(batch, loss, acc);
  }

  /** Before a step or an evaluation: the workers loaded (the first time), the batch in shared memory; its shards. */
  private async handOut(batch: EpochBatch): Promise<Shard[]> {
    const { shared } = this;
    if (this.broken) throw this.broken;
    if (!this.loaded) {
      try {
        await this.load();
      } catch (e) {
        throw (this.broken = e as Error);
      }
    }
    shared.x.set(batch.x);
    if (batch.y) shared.y.set(batch.y);
    if (batch.target) shared.target.set(batch.target);
    return shardRows(batch.shape[0], this.links.length);
  }

  /** The batch's mean loss and the outputs the workers left (classify) into `acc`. */
  private collect(batch: EpochBatch, loss: number, acc: MetricAccumulator): void {
    const { tf, shared } = this;
    const rows = batch.shape[0];
    const size = shared.layout.outputSize;
    const logits = size > 0 ? tensorFrom(tf, shared.out.subarray(0, rows * size), [rows, size]) : null;
    acc.add(tf, loss, rows, logits, batch.y);
    logits?.dispose();
  }

  /**
   * The stage's model takes the workers' weights (and worker 0's statistics), and the optimiser
   * their state, gathered from the pieces each worker updates.
   */
  async sync(): Promise<void> {
    if (!this.stale) return;
    if (this.broken) throw this.broken;
    const { tf, shared } = this;
    const replies = await Promise.all(this.links.map((l) => l.request('synced', { type: 'sync' })));
    this.model.trainableWeights.forEach((w, i) => tf.tidy(() => (w.read() as tfjs.Variable).assign(tensorFrom(tf, shared.param(i), w.shape as number[]))));
    this.others().forEach((v, i) => tf.tidy(() => v.assign(tensorFrom(tf, shared.stateOf(i), v.shape))));
    const steps = new Set(replies.map((r) => r.optimizer.step));
    if (steps.size !== 1) throw new Error(`the training workers' optimisers disagree on the step count: ${[...steps].join(', ')}`);
    const names = Object.keys(replies[0].optimizer.slots);
    const slots = Object.fromEntries(names.map((name) => [name, shared.layout.paramSizes.map((size) => new Float32Array(size))]));
    replies.forEach((r, k) => shared.ownedPieces(k).forEach((p, j) => {
      for (const name of names) slots[name][p.weight].set(r.optimizer.slots[name][j], p.from);
    }));
    const state: OptimizerState = { type: this.optimizer.type, step: replies[0].optimizer.step, slots };
    this.optimizer.load(state);
    this.stale = false;
  }

  async close(): Promise<void> {
    this.optimizer.dispose();
    // Workers waiting at the step's barrier give up rather than wait for the ones stopped.
    this.shared.abandon();
    await Promise.all(this.links.map((l) => l.terminate()));
  }

  /** Every worker takes the model's weights and its pieces of the optimiser's state (the first step: as initialised, started from another stage, or resumed). */
  private async load(): Promise<void> {
    const { tf, shared } = this;
    this.model.trainableWeights.forEach((w, i) => copyOut(tf, w.read(), shared.param(i)));
    this.others().forEach((v, i) => copyOut(tf, v, shared.stateOf(i)));
    const state = this.optimizer.state();
    await Promise.all(this.links.map((l, k) => l.request('loaded', { type: 'load', optimizer: piecesOf(state, shared.ownedPieces(k)) })));
    this.loaded = true;
  }

  private others(): tfjs.Variable[] {
    return otherWeights(this.model).map((w) => w.read() as tfjs.Variable);
  }
}

/** The part of `state` for `pieces`. */
function piecesOf(state: OptimizerState, pieces: readonly Piece[]): PiecesState {
  return { step: state.step, slots: Object.fromEntries(Object.entries(state.slots).map(([name, arrays]) => [name, pieces.map((p) => arrays[p.weight].slice(p.from, p.to))])) };
}

/** The most channels a BatchNorm of the model can have: the longest one-dimensional weight (gamma, moving_mean; 0 if none). */
function perChannelMax(model: tfjs.LayersModel): number {
  return model.weights.reduce((most, w) => (w.shape.length === 1 ? Math.max(most, w.shape[0] ?? 0) : most), 0);
}

function sizeOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}
