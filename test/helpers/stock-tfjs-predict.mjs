// Run as its own process: loads exported models with stock @tensorflow/tfjs and nothing else (no
// engine layer is registered here, so an engine class in model.json fails as "Unknown layer"),
// and prints their predictions. stdin: {"backend": "cpu"|"wasm", "models": [{"dir", "shape",
// "input"}]}; stdout: {"outputs": [[...], ...], "backend"} or {"error": "..."}. wasm is stock
// @tensorflow/tfjs-backend-wasm (kernels only, no layers), for the seed models' sizes.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const job = JSON.parse(readFileSync(0, 'utf8'));
if (job.backend === 'wasm') {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')), '/'));
}
if (!(await tf.setBackend(job.backend ?? 'cpu'))) throw new Error(`backend ${job.backend} did not start`);
try {
  const outputs = [];
  for (const m of job.models) {
    const manifest = JSON.parse(readFileSync(join(m.dir, 'model.json'), 'utf8'));
    const bin = readFileSync(join(m.dir, 'weights.bin'));
    const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: manifest.weightsManifest[0].weights, weightData }));
    const y = model.predict(tf.tensor(m.input, m.shape));
    outputs.push(Array.from(y.dataSync()));
    tf.dispose([y]);
    model.dispose();
  }
  process.stdout.write(JSON.stringify({ outputs, backend: tf.getBackend() }));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e.message ?? e) }));
}
