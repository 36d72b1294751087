// An epoch's batches for a stage. The order of epoch e is a shuffle drawn on stream `order/<e>`
// and item i of epoch e is augmented on a stream fixed by (seed, e, i) (batch.ts), so batches do
// not depend on the number of workers and a run resumes at (epoch, step) exactly. Batches are
// assembled in worker threads that read the decoded splits from shared memory, a few batches
// ahead of the consumer, and arrive as transferred (not copied) buffers.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { inputError } from '../errors.js';
import { DEFAULT_CHAIN_MODULE, importChainCompiler } from './augment-contract.js';
import { BatchAssembler, type Batch, type BatchPlan, type PartData } from './batch.js';
import type { ImageSet } from './load-split.js';
import type { BatchReply, BatchRequest } from './loader-messages.js';
import { siblingModule, startModuleWorker } from './module-worker.js';
import { Rng } from './random.js';
import { deserializeError } from './thread-errors.js';
import type { SelectedPart } from './select.js';
import type { NamedChain, SplitName } from './spec.js';

export interface LoaderOptions {
  /** The stage's data, from selectData. */
  readonly parts: readonly SelectedPart[];
  /** The decoded splits the parts refer to. */
  readonly splits: Partial<Record<SplitName, ImageSet>>;
  readonly batchSize: number;
  /** The stage's seed: fixes every epoch's order and every item's augmentation. */
  readonly seed: number;
  /** true: a new seeded order every epoch (training); false: the parts in order (evaluation). */
  readonly shuffle: boolean;
  /** true: leave out the last, smaller batch. */
  readonly dropLast: boolean;
  /** 'images': reconstruction; each batch also carries the clean image as `target`. */
  readonly targets?: 'labels' | 'images';
  /** A chain applied to the input only, after the part's chain (e.g. cutout). */
  readonly corrupt?: NamedChain | null;
  /** Worker threads (0: assemble on the calling thread). */
  readonly workers: number;
  /** Batches requested ahead of the one being consumed. */
  readonly prefetch?: number;
  /** The selection's path in the pipeline (e.g. `stages.pretrain.train`), for messages. */
  readonly where: string;
  /** The module exporting compileChain (default: src/data/augment/chain). */
  readonly chainModule?: string;
}

/** Every core but the one the trainer runs on (at least one worker). */
export function defaultLoaderWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

export interface EpochBatch extends Batch {
  readonly epoch: number;
  readonly step: number;
}

interface Pending {
  readonly worker: Worker;
  resolve(batch: Batch): void;
  reject(error: Error): void;
}

export class BatchLoader {
  /** Items per epoch. */
  readonly size: number;
  readonly stepsPerEpoch: number;
  private readonly pending = new Map<number, Pending>();
  private readonly load = new Map<Worker, number>();
  /** Why the workers stopped, once one has failed: later requests fail at once with it. */
  private broken: Error | null = null;
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly options: LoaderOptions,
    private readonly inline: BatchAssembler | null,
    private readonly workers: readonly Worker[],
    size: number,
  ) {
    this.size = size;
    this.stepsPerEpoch = options.dropLast ? Math.floor(size / options.batchSize) : Math.ceil(size / options.batchSize);
    for (const w of workers) this.watch(w);
  }

  static async open(options: LoaderOptions): Promise<BatchLoader> {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw inputError(`batch size must be a positive integer, got ${options.batchSize}`, { path: options.where });
    }
    const plan = batchPlan(options);
    // Compiling here checks every chain (and that the parts agree) before any worker starts.
    const assembler = new BatchAssembler(plan, needsChains(plan) ? await importChainCompiler(options.chainModule ?? DEFAULT_CHAIN_MODULE) : null);
    const workerModule = siblingModule(import.meta.url, 'loader-worker');
    const workers = Array.from({ length: options.workers }, () =>
      startModuleWorker(workerModule, { plan, chainModule: options.chainModule ?? DEFAULT_CHAIN_MODULE }),
    );
    return new BatchLoader(options, options.workers === 0 ? assembler : null, workers, assembler.size);
  }

  /** Item numbers in the order epoch `epoch` visits them. */
  order(epoch: number): Int32Array {
    const order = Int32Array.from({ length: this.size }, (_, i) => i);
    if (this.options.shuffle) Rng.from(this.options.seed, `order/${epoch}`).shuffle(order);
    return order;
  }

  /** The batches of `epoch` from `fromStep` on (a resumed run passes the step it stopped at). */
  async *epoch(epoch: number, fromStep = 0): AsyncGenerator<EpochBatch> {
    if (this.closed) throw new Error('the loader is closed');
    const order = this.order(epoch);
    const { batchSize } = this.options;
    const ahead = Math.max(1, this.options.prefetch ?? 2 * Math.max(1, this.workers.length));
    const queue: Promise<Batch>[] = [];
    let next = fromStep;
    const fill = () => {
      for (; next < this.stepsPerEpoch && queue.length < ahead; next++) {
        const items = order.slice(next * batchSize, Math.min(this.size, (next + 1) * batchSize));
        const request = this.request(epoch, items);
        request.catch(() => undefined); // observed when its turn comes; never unhandled if abandoned
        queue.push(request);
      }
    };
    fill();
    for (let step = fromStep; queue.length > 0; step++) {
      const batch = await (queue.shift() as Promise<Batch>);
      fill();
      yield { ...batch, epoch, step };
    }
  }

  /** Stops the workers; batches still in flight are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('the loader was closed'));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private request(epoch: number, items: Int32Array): Promise<Batch> {
    if (this.inline) {
      const assembler = this.inline;
      return Promise.resolve().then(() => assembler.assemble(epoch, items));
    }
    if (this.closed) return Promise.reject(new Error('the loader is closed'));
    if (this.broken) return Promise.reject(this.broken);
    const worker = this.leastBusy();
    const id = this.nextId++;
    return new Promise<Batch>((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      this.setLoad(worker, +1);
      worker.postMessage({ id, epoch, items } satisfies BatchRequest);
    });
  }

  private leastBusy(): Worker {
    return this.workers.reduce((a, b) => ((this.load.get(b) ?? 0) < (this.load.get(a) ?? 0) ? b : a));
  }

  /** A worker keeps the process alive only while it has work: a forgotten close() cannot hang exit. */
  private setLoad(worker: Worker, delta: number): void {
    const before = this.load.get(worker) ?? 0;
    const after = before + delta;
    this.load.set(worker, after);
    if (before === 0 && after > 0) worker.ref();
    if (after === 0) worker.unref();
  }

  private watch(worker: Worker): void {
    worker.unref();
    worker.on('message', (reply: BatchReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      this.setLoad(worker, -1);
      if ('error' in reply) p.reject(deserializeError(reply.error, 'loader worker'));
      else p.resolve(reply.batch);
    });
    const fail = (error: Error) => {
      this.broken ??= error;
      for (const [id, p] of this.pending) {
        if (p.worker !== worker) continue;
        this.pending.delete(id);
        this.setLoad(worker, -1);
        p.reject(error);
      }
    };
    worker.on('error', (e) => fail(new Error(`loader worker failed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`loader worker exited (code ${code})`));
    });
  }
}

function batchPlan(options: LoaderOptions): BatchPlan {
  const parts: PartData[] = options.parts.map((part, i) => {
    const set = options.splits[part.split];
    if (!set) throw new Error(`${options.where}: part ${i} needs the '${part.split}' split, which was not loaded`);
    return {
      images: set.images,
      height: set.height,
      width: set.width,
      channels: set.channels,
      labels: part.labelled ? set.labels : null,
      indices: part.indices,
      augment: part.augment,
    };
  });
  return { parts, corrupt: options.corrupt ?? null, targets: options.targets ?? 'labels', seed: options.seed, where: options.where };
}

function needsChains(plan: BatchPlan): boolean {
  return plan.corrupt !== null || plan.parts.some((p) => p.augment !== null);
}
