// A stored model as the ONNX converter reads it: model.json's topology parsed into typed layers
// and its weights by name. The files are read and checked by the export's one reader
// (../model-files.ts); artifacts in memory (a model compiled in this process, saved with
// tf.io.withSaveHandler) go through the same weight checks. Nothing here needs tfjs.
import { join } from 'node:path';
import { readLayersModel, splitWeights, type WeightSpec } from '../model-files.js';
import type { LayersModelFiles } from '../topology.js';
import { LayerRefusal, modelFileError } from './refusal.js';
import { parseTopology, type Topology } from './topology.js';

export type { WeightSpec };

export interface StoredWeight {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface StoredModel {
  /** Where the model came from, for messages (model.json's path). */
  readonly file: string;
  readonly topology: Topology;
  readonly weights: ReadonlyMap<string, StoredWeight>;
}

/** Reads DIR/model.json and its weight files (model-files.ts), for the converter. */
export function readStoredModel(dir: string): StoredModel {
  return storedModel(join(dir, 'model.json'), readLayersModel(dir));
}

/** Files already read (and checked) by readLayersModel, for the converter; `file` names them in messages. */
export function storedModel(file: string, files: LayersModelFiles): StoredModel {
  return { file, topology: located(file, files.topology), weights: new Map(files.weights.map((w) => [w.name, w])) };
}

/** The same from artifacts in memory (what tf.io.withSaveHandler receives). */
export function storedModelFromArtifacts(label: string, modelTopology: unknown, specs: readonly WeightSpec[], data: ArrayBuffer | ArrayBuffer[]): StoredModel {
  const bytes = Buffer.concat((Array.isArray(data) ? data : [data]).map((b) => Buffer.from(b)));
  const weights = splitWeights(label, specs, bytes);
  return { file: label, topology: located(label, modelTopology), weights: new Map(weights.map((w) => [w.name, w])) };
}

/** The parsed topology, or what parseTopology refuses as an InputError located at `file`. */
function located(file: string, topology: unknown): Topology {
  try {
    return parseTopology(topology);
  } catch (e) {
    if (e instanceof LayerRefusal) throw modelFileError(file, e.message, e.hint);
    throw e;
  }
}
