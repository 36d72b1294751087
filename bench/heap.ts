// What a training step holds on the wasm heap: for one stage of a pipeline, the step the engine
// runs (the compiled model, its loss, its optimiser, one training worker on the training thread),
// on a random batch, step after step: the peak of live tensor buffers during the step (every
// buffer the backend makes or frees, counted once however many tensors share it) and the heap's
// size after it (what the 4 GiB cap is checked against: buffers, XNNPACK's own copies, and the
// allocator's gaps), and the process's peak resident set so far (what compares with another
// framework's process). docs/zoo.md quotes it for VGG.
//
//   npm run bench:heap -- --file pipelines/zoo/vgg.yaml --set stages.train.model=vgg16 \
//     --set stages.train.batch_size=32 --set params.num_classes=200 --set 'models.vgg16.input=[64, 64, 3]'
//   npm run bench:heap -- --file pipelines/resnet9.yaml --steps 5 --micro-batch 16
import { parseArgs } from 'node:util';
import { initBackend } from '../src/backend/index.js';
import { MetricAccumulator } from '../src/train/metrics.js';
import { openStageStep } from './lib/step-timer.js';

/** tfjs-backend-wasm 4.22's methods that make and free buffers, and its heap. */
interface WasmBackend {
  move(dataId: object, values: unknown, shape: number[], dtype: string, refCount: number): void;
  disposeData(dataId: object, force?: boolean): boolean;
  readonly dataIdMap: { get(dataId: object): { shape: number[]; dtype: string } | undefined };
  readonly wasm?: { readonly HEAPU8: Uint8Array };
}

/** A bad option or pipeline: said in one line, without a stack. */
class UsageError extends Error {}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' }, stage: { type: 'string', default: 'train' }, set: { type: 'string', multiple: true, default: [] },
      steps: { type: 'string', default: '3' }, backend: { type: 'string', default: 'wasm-onednn' }, 'micro-batch': { type: 'string' },
    },
  });
  if (!values.file) throw new UsageError('--file PIPELINE is needed');
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`--steps: expected a whole number >= 1, got ${values.steps}`);
  const micro = values['micro-batch'] === undefined ? undefined : Number(values['micro-batch']);
  if (micro !== undefined && !(Number.isInteger(micro) && micro >= 1)) throw new UsageError(`--micro-batch: expected a whole number >= 1, got ${values['micro-batch']}`);
  if (!values.backend.startsWith('wasm')) throw new UsageError(`--backend ${values.backend} is not a wasm backend: there is no heap to watch`);

  const { tf } = await initBackend({ backend: values.backend, env: {} }).catch((e: Error) => { throw new UsageError(e.message); });
  const backend = tf.backend() as unknown as WasmBackend;
  const heap = () => backend.wasm!.HEAPU8.buffer.byteLength;
  // Every buffer the backend makes (move: write and makeOutput) or frees (disposeData, when its
  // last reference goes), by bytes, from before the model is built.
  const bytes = (shape: readonly number[], dtype: string) => shape.reduce((a, b) => a * b, 1) * (dtype === 'bool' ? 1 : 4);
  let live = 0;
  let peak = 0;
  const move = backend.move.bind(backend);
  const dispose = backend.disposeData.bind(backend);
  backend.move = (dataId, v, shape, dtype, refCount) => {
    live += bytes(shape, dtype);
    peak = Math.max(peak, live);
    move(dataId, v, shape, dtype, refCount);
  };
  backend.disposeData = (dataId, force) => {
    const info = backend.dataIdMap.get(dataId);
    const freed = dispose(dataId, force);
    if (info && freed) live -= bytes(info.shape, info.dtype);
    return freed;
  };
  // openStageStep starts the same backend again: the instance, and these hooks, stay.
  const { stage, trainer, batch } = await openStageStep({ file: values.file, stage: values.stage, sets: values.set, workers: 1, backend: values.backend, cwd: process.cwd(), microBatch: micro })
    .catch((e: Error) => { throw new UsageError(e.message.split('\n')[0]); });
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  console.log(`${values.file} ${stage.model}: batch ${batch.shape[0]}${stage.micro_batch ? ` in micro-batches of ${stage.micro_batch}` : ''}, on ${values.backend}; ready: ${mb(live)} MB of buffers, heap ${mb(heap())} MB`);
  try {
    for (let i = 0; i < steps; i++) {
      peak = live;
      const t = performance.now();
      await trainer.step(batch, 0.01, new MetricAccumulator());
      console.log(`step ${i + 1}: ${(performance.now() - t).toFixed(0)} ms; buffers at the peak ${mb(peak)} MB, after ${mb(live)} MB; heap ${mb(heap())} MB; the process's peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
    }
  } finally {
    await trainer.close();
  }
}

try {
  await main();
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`bench:heap: ${e.message}`);
  process.exitCode = 2;
}
