// ONNX export tests' shared steps: compile a pipeline's model with random weights (BatchNorm's
// moving statistics too, so inference-form BatchNorm is really exercised), convert it through
// the artifacts tfjs saves, and run the result in onnxruntime-node.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { convertToOnnx, storedModelFromArtifacts, type OnnxModel, type StoredModel, type WeightSpec } from '../../src/export/onnx/index.js';
import { Rng } from '../../src/random.js';

/** A model of a pipeline (file relative to cwd), compiled with its seeded random init. */
export async function compiledModel(file: string, model: string, cwd: string): Promise<tf.LayersModel> {
  const { pipeline, locate } = await resolvePipeline(file, { cwd });
  return compileGraphs(pipeline, analyzeGraphs(pipeline, locate)).model(model);
}

/** Sets every BatchNormalization's gamma, beta, moving mean and moving variance to random values
 *  away from their initial 1, 0, 0, 1. */
export function randomizeBatchNorm(model: tf.LayersModel, seed: number): void {
  const rng = Rng.from(seed, 'batchnorm');
  const draw = (n: number, low: number, high: number) => Float32Array.from({ length: n }, () => rng.uniform(low, high));
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    const values = layer.weights.map((w) => {
      const name = w.originalName;
      const [low, high] = name.includes('gamma') ? [0.5, 1.5] : name.includes('variance') ? [0.5, 2] : [-0.5, 0.5];
      const shape = w.shape as number[];
      return tf.tensor(draw(shape.reduce((a, b) => a * b, 1), low, high), shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

export interface SavedArtifacts {
  readonly modelTopology: unknown;
  readonly weightSpecs: WeightSpec[];
  readonly weightData: ArrayBuffer;
}

/** What model.save writes (model.json's topology and manifest, weights.bin's bytes). */
export async function savedArtifacts(model: tf.LayersModel): Promise<SavedArtifacts> {
  let out: SavedArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    const data = a.weightData;
    out = { modelTopology: a.modelTopology, weightSpecs: a.weightSpecs ?? [], weightData: (Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data) as ArrayBuffer };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return out!;
}

export function storedFrom(a: SavedArtifacts, label = 'model.json'): StoredModel {
  return storedModelFromArtifacts(label, a.modelTopology, a.weightSpecs, a.weightData);
}

export async function toOnnx(model: tf.LayersModel): Promise<OnnxModel> {
  return convertToOnnx(storedFrom(await savedArtifacts(model)), { producerVersion: 'test', props: { model: model.name } });
}

/** The ONNX model's first output for `x` (NHWC, as the engine's input), run by onnxruntime-node. */
export async function runOnnx(onnx: OnnxModel, x: tf.Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnx.bytes);
  try {
    const feed = { [onnx.inputs[0].name]: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) };
    const out = await session.run(feed);
    return out[onnx.outputs[0].name].data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The largest |a - b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
