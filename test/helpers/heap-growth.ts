// Run as a child (`node --import tsx heap-growth.ts <pipeline> <batch>`): one training step of the
// pipeline's `train` stage on the wasm backend in a fresh process, then prints the wasm heap's
// size in bytes. The heap only grows, so its size is at least the step's peak; a fresh process
// per batch keeps one measurement from reusing another's heap.
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { MetricAccumulator } from '../../src/train/metrics.js';
import { openTrainer } from '../../src/train/parallel/index.js';

const [file, batchArg] = process.argv.slice(2);
const { tf } = await initBackend({ backend: 'wasm', env: {} });
const { pipeline, locate } = await resolvePipeline(file, { cwd: process.cwd(), sets: [`stages.train.batch_size=${batchArg}`] });
const stage = pipeline.stages.train;
const model = compileGraphs(pipeline, analyzeGraphs(pipeline, locate)).model(stage.model);
const [h, w, c] = model.inputs[0].shape.slice(1) as number[];
const n = Number(batchArg);
const batch = { x: new Float32Array(n * h * w * c).fill(0.5), y: new Int32Array(n), target: null, shape: [n, h, w, c] as const, epoch: 0, step: 0 };
const trainer = await openTrainer(tf, stage, model, 1);
await trainer.step(batch, 0.01, new MetricAccumulator());
await trainer.close();
const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
console.log(heap);
