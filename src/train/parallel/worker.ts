// A training worker: its own tfjs with its own backend instance (the engine's kernels included),
// its own copy of the stage's model, rebuilt from the topology. Per step it takes the weights
// from shared memory, computes the gradient of the mean loss over its rows of the batch and
// leaves it, with its rows of output, in shared memory; then, once every worker has done so (a
// barrier in shared memory), it sums all the workers' gradients over its own share of the
// parameters and updates that share with its own optimiser (whose state covers only that share),
// writing the new values back. Every worker reduces and updates at once: the training thread
// only coordinates (DDP's all-reduce, in shared memory). Unless micro_batch splits its part, each
// BatchNorm normalises by the whole batch's statistics: the workers with rows exchange their
// per-channel statistics at every BatchNorm, once forward and once backward (SyncBatchNorm).
// Between epochs it evaluates its rows of each val batch, with the last step's weights.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { setBatchStatsSync } from '../../backend/batch_norm_training.js';
import { initBackend } from '../../backend/index.js';
import { createOptimizer, type EngineOptimizer } from '../optimizers/index.js';
import { serializeError } from '../../data/thread-errors.js';
import { stageLoss } from '../losses.js';
import { partGradients } from './gradients.js';
import type { FromWorker, PiecesState, ToWorker, WorkerSetup } from './messages.js';
import { microPieces, piecesPerStep, syncsBatchStats } from './shards.js';
import { arriveAndWait, copyOut, otherWeights, SharedArrays, StepAborted, tensorFrom } from './shared.js';

const setup = workerData as WorkerSetup;
const port = parentPort;
if (port === null) throw new Error('parallel/worker.ts must run as a worker thread');
const shared = SharedArrays.attach(setup.layout, setup.buffers);
/** The parameters this worker reduces and updates. */
const pieces = shared.ownedPieces(setup.index);
const owned = pieces.reduce((n, p) => n + (p.to - p.from), 0);

interface Replica {
  readonly kind: string;
  readonly model: tf.LayersModel;
  readonly trainable: readonly tf.Variable[];
  readonly others: readonly tf.Variable[];
  readonly inputShape: readonly number[];
  /** This worker's pieces of the parameters (flat), and the optimiser over them. */
  readonly pieces: readonly tf.Variable[];
  readonly optimizer: EngineOptimizer;
  /** The summed gradient of the pieces, end to end. */
  readonly reduced: Float32Array;
}

async function build(): Promise<Replica> {
  const { kind } = await initBackend({ backend: setup.backend, env: {} });
  const model = (await tf.models.modelFromJSON({ modelTopology: JSON.parse(setup.topology) as tf.io.ModelJSON['modelTopology'] })) as tf.LayersModel;
  const trainable = model.trainableWeights;
  const others = otherWeights(model);
  const names = (ws: readonly { originalName: string }[]) => ws.map((w) => w.originalName).join(', ');
  // The shared arrays are laid out by the training thread's weights: the rebuilt model must list
  // the same weights in the same order, or every update would land on the wrong one.
  if (names(trainable) !== setup.trainable.join(', ') || names(others) !== setup.others.join(', ')) {
    throw new Error(`the rebuilt model lists other weights than the training thread: trainable ${names(trainable)}, others ${names(others)}; expected trainable ${setup.trainable.join(', ')}, others ${setup.others.join(', ')}`);
  }
  const inputShape = (model.inputs[0].shape as number[]).slice(1);
  const vars = pieces.map((p) => tf.tidy(() => tf.variable(tf.zeros([p.to - p.from]), false)));
  // The optimisers are elementwise: a piece of a weight updates as that part of the whole would.
  const optimizer = createOptimizer(setup.stage.optimizer!, vars);
  return { kind, model, trainable: trainable.map((w) => w.read() as tf.Variable), others: others.map((w) => w.read() as tf.Variable), inputShape, pieces: vars, optimizer, reduced: new Float32Array(owned) };
}

/** Copies shared values into a variable. */
function set(v: tf.Variable, values: Float32Array): void {
  tf.tidy(() => v.assign(tensorFrom(tf, values, v.shape)));
}

function load(r: Replica, optimizer: PiecesState): void {
  r.trainable.forEach((v, i) => set(v, shared.param(i)));
  r.others.forEach((v, i) => set(v, shared.stateOf(i)));
  pieces.forEach((p, j) => set(r.pieces[j], shared.params.subarray(p.at, p.at + (p.to - p.from))));
  r.optimizer.load({ type: r.optimizer.type, ...optimizer });
}

function step(r: Replica, m: Extract<ToWorker, { type: 'step' }>): number {
  try {
    const loss = m.n > 0 ? gradient(r, m) : 0;
    arriveAndWait(shared.barrier, setup.layout.workers);
    update(r, m.shares, m.lr);
    return loss;
  } catch (e) {
    // Nobody waits for a worker that will not arrive.
    shared.abandon();
    throw e;
  }
}

/**
 * Sums every worker's gradient over this worker's pieces, weighted by their shares of the batch,
 * in double in worker order and rounded once (for one worker: its gradient as it is); then one
 * optimiser step of the pieces, written back to params.
 */
function update(r: Replica, shares: readonly number[], lr: number): void {
  // A worker that owns nothing still steps its (empty) optimiser: every worker's step count is the stage's.
  const size = shared.params.length;
  const active = shares.flatMap((w, k) => (w > 0 ? [k] : []));
  const [grads, weights] = [active.map((k) => shared.grads.subarray(k * size, (k + 1) * size)), active.map((k) => shares[k])];
  const out = r.reduced;
  let o = 0;
  for (const p of pieces) {
    for (let i = p.at, end = p.at + (p.to - p.from); i < end; i++, o++) {
      let sum = 0;
      for (let j = 0; j < grads.length; j++) sum += weights[j] * grads[j][i];
      out[o] = sum;
    }
  }
  let at = 0;
  const tensors = pieces.map((p) => {
    const n = p.to - p.from;
    const t = tensorFrom(tf, out.subarray(at, at + n), [n]);
    at += n;
    return t;
  });
  try {
    r.optimizer.step(tensors, lr, true); // made here for this update alone: it may reuse them
  } finally {
    tf.dispose(tensors);
  }
  pieces.forEach((p, j) => copyOut(tf, r.pieces[j], shared.params.subarray(p.at, p.at + (p.to - p.from))));
}

/** The gradient of the shard's mean loss, into this worker's block of grads; returns the loss. */
function gradient(r: Replica, m: Extract<ToWorker, { type: 'step' }>): number {
  r.trainable.forEach((v, i) => set(v, shared.param(i)));
  const { inputSize, outputSize } = setup.layout;
  const rows = (a: Float32Array, size: number) => a.subarray(m.offset * size, (m.offset + m.n) * size);
  let output: tf.Tensor | null = null;
  const loss = tf.tidy(() => {
    const input = {
      x: tensorFrom(tf, rows(shared.x, inputSize), [m.n, ...r.inputShape]),
      labels: m.labels ? tf.tensor1d(shared.y.slice(m.offset, m.offset + m.n), 'int32') : null,
      target: m.target ? tensorFrom(tf, rows(shared.target, inputSize), [m.n, ...r.inputShape]) : null,
    };
    const { micro_batch: micro, batch_size: batch } = setup.stage;
    // The workers with rows are the first ones (shardRows): they meet at every BatchNorm.
    const active = m.shares.filter((w) => w > 0).length;
    const share = m.shares[setup.index];
    setBatchStatsSync(syncsBatchStats(setup.stage, setup.layout.workers) && active > 1 ? { share, allGather: (values) => shared.allGather(setup.index, active, values) } : null);
    let g;
    try {
      g = partGradients(tf, setup.stage, r.model, r.trainable, input, microPieces(m.n, micro), m.clock, piecesPerStep(batch, setup.layout.workers, micro));
    } finally {
      setBatchStatsSync(null);
    }
    output = g.out;
    r.trainable.forEach((v, i) => copyOut(tf, g.grads[i], shared.gradsOf(setup.index, i)));
    return g.loss;
  });
  const value = loss.dataSync()[0];
  loss.dispose();
  const kept = output as tf.Tensor | null;
  if (kept) {
    copyOut(tf, kept, shared.out.subarray(m.offset * outputSize, (m.offset + m.n) * outputSize));
    kept.dispose();
  }
  if (m.keepState) r.others.forEach((v, i) => copyOut(tf, v, shared.stateOf(i)));
  return value;
}

/** Rows of the batch in eval mode with the last step's weights: their mean loss, their outputs into out. */
function evaluateRows(r: Replica, m: Extract<ToWorker, { type: 'evaluate' }>): number {
  if (m.load) {
    r.trainable.forEach((v, i) => set(v, shared.param(i)));
    r.others.forEach((v, i) => set(v, shared.stateOf(i)));
  }
  const { inputSize, outputSize } = setup.layout;
  const rows = (a: Float32Array, size: number) => a.subarray(m.offset * size, (m.offset + m.n) * size);
  const loss = tf.tidy(() => {
    const x = tensorFrom(tf, rows(shared.x, inputSize), [m.n, ...r.inputShape]);
    const y = r.model.apply(x, { training: false }) as tf.Tensor;
    const labels = m.labels ? tf.tensor1d(shared.y.slice(m.offset, m.offset + m.n), 'int32') : null;
    const target = m.target ? tensorFrom(tf, rows(shared.target, inputSize), [m.n, ...r.inputShape]) : null;
    if (outputSize > 0) copyOut(tf, y, rows(shared.out, outputSize));
    return stageLoss(tf, setup.stage, y, labels, target);
  });
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}

const reply = (message: FromWorker) => port.postMessage(message);
const replica = build();
replica.then(
  (r) => reply({ type: 'ready', backend: r.kind }),
  (e: unknown) => reply({ type: 'failed', error: serializeError(e) }),
);

port.on('message', (m: ToWorker) => {
  replica
    .then((r) => {
      switch (m.type) {
        case 'load':
          load(r, m.optimizer);
          return reply({ type: 'loaded' });
        case 'step':
          return reply({ type: 'stepped', loss: step(r, m) });
        case 'evaluate':
          return reply({ type: 'evaluated', loss: evaluateRows(r, m) });
        case 'sync': {
          const { step: at, slots } = r.optimizer.state();
          return reply({ type: 'synced', optimizer: { step: at, slots } });
        }
        default: {
          const never: never = m;
          throw new Error(`unknown message ${JSON.stringify(never)}`);
        }
      }
    })
    .catch((e: unknown) => reply({ type: 'failed', error: serializeError(e), abandoned: e instanceof StepAborted }));
});
