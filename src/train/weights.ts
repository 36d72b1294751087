// A stage's trained model on disk in the standard tfjs layers format (model.json + weights.bin,
// loadable by tf.loadLayersModel in a browser once the engine's layers are registered), and
// starting another stage's layers from it, matched by layer name.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { writeAtomic } from '../cache/files.js';
import { InputError } from '../errors.js';
import type { Tf } from './losses.js';

export interface SavedWeight {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export async function saveModel(model: tfjs.LayersModel, dir: string, tf: Tf): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes = Buffer.concat((Array.isArray(data) ? data : data ? [data] : []).map((b) => Buffer.from(b)));
      writeAtomic(join(dir, 'weights.bin'), bytes);
      const manifest = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeAtomic(join(dir, 'model.json'), Buffer.from(JSON.stringify(manifest)));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

export function readWeights(dir: string): Map<string, SavedWeight> {
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: tfjs.io.WeightsManifestEntry[] }[] };
  const out = new Map<string, SavedWeight>();
  for (const group of manifest.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
    let offset = 0;
    for (const spec of group.weights) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (spec.dtype !== 'float32') throw new Error(`${dir}: weight ${spec.name} is ${spec.dtype}; the engine saves float32 only`);
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + size * 4));
      out.set(spec.name, { shape: spec.shape, data });
      offset += size * 4;
    }
  }
  return out;
}

/**
 * Sets every weight of the layers of `graphModels` (layers named `model/...`) from `saved`,
 * matched by name; any weight missing or of another shape is an error listing all of them.
 */
export function initLayers(model: tfjs.LayersModel, graphModels: readonly string[], saved: ReadonlyMap<string, SavedWeight>, where: string, from: string, tf: Tf): number {
  const problems: string[] = [];
  const updates: [tfjs.layers.Layer, tfjs.Tensor[]][] = [];
  const layers = model.layers.filter((l) => graphModels.some((g) => l.name.startsWith(`${g}/`)));
  for (const layer of layers) {
    if (layer.weights.length === 0) continue;
    const values: tfjs.Tensor[] = [];
    for (const w of layer.weights) {
      const s = saved.get(w.originalName);
      if (!s) problems.push(`${w.originalName}: not in stage '${from}'`);
      else if (s.shape.join('x') !== w.shape.join('x')) problems.push(`${w.originalName}: shape ${w.shape.join('x')} here, ${s.shape.join('x')} in stage '${from}'`);
      else values.push(tf.tensor(s.data, [...s.shape]));
    }
    if (values.length === layer.weights.length) updates.push([layer, values]);
    else tf.dispose(values);
  }
  if (layers.length === 0) problems.push(`no layers of ${graphModels.join(', ')} in this stage's model`);
  if (problems.length) {
    for (const [, v] of updates) tf.dispose(v);
    throw new InputError([{ path: where, message: `cannot start from stage '${from}': ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}` }]);
  }
  for (const [layer, values] of updates) {
    layer.setWeights(values);
    tf.dispose(values);
  }
  return updates.length;
}
