// A training worker: its own tfjs with its own backend instance (the engine's kernels included),
// its own copy of the stage's model, rebuilt from the topology. Per step it takes the weights
// from shared memory, computes the gradient of the mean loss over its rows of the batch and
// leaves it, with its rows of output, in shared memory. It never updates a weight itself.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backend/index.js';
import { serializeError } from '../../data/thread-errors.js';
import { partGradients } from './gradients.js';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';
import { microPieces, piecesPerStep } from './shards.js';
import { copyOut, otherWeights, SharedArrays, tensorFrom } from './shared.js';

const setup = workerData as WorkerSetup;
const port = parentPort;
if (port === null) throw new Error('parallel/worker.ts must run as a worker thread');
const shared = SharedArrays.attach(setup.layout, setup.buffers);

interface Replica {
  readonly kind: string;
  readonly model: tf.LayersModel;
  readonly trainable: readonly tf.Variable[];
  readonly others: readonly tf.Variable[];
  readonly inputShape: readonly number[];
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
  return { kind, model, trainable: trainable.map((w) => w.read() as tf.Variable), others: others.map((w) => w.read() as tf.Variable), inputShape };
}

/** Copies shared values into a variable. */
function set(v: tf.Variable, values: Float32Array): void {
  tf.tidy(() => v.assign(tensorFrom(tf, values, v.shape)));
}

function load(r: Replica): void {
  r.trainable.forEach((v, i) => set(v, shared.param(i)));
  r.others.forEach((v, i) => set(v, shared.stateOf(i)));
}

function step(r: Replica, m: Extract<ToWorker, { type: 'step' }>): number {
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
    const g = partGradients(tf, setup.stage, r.model, r.trainable, input, microPieces(m.n, micro), m.clock, piecesPerStep(batch, setup.layout.workers, micro));
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
          load(r);
          return reply({ type: 'loaded' });
        case 'step':
          return reply({ type: 'stepped', loss: step(r, m) });
        default: {
          const never: never = m;
          throw new Error(`unknown message ${JSON.stringify(never)}`);
        }
      }
    })
    .catch((e: unknown) => reply({ type: 'failed', error: serializeError(e) }));
});
