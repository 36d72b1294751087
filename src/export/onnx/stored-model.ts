// A stored model as the export reads it: model.json's topology and its weights by name, from a
// model folder (a run's stage folder or a cache entry) or from artifacts in memory (a model
// compiled in this process, saved with tf.io.withSaveHandler). Nothing here needs tfjs.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { LayerRefusal, modelFileError, shown } from './refusal.js';
import { parseTopology, type Topology } from './topology.js';

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

/** One entry of model.json's weightsManifest[].weights (tf.io.WeightsManifestEntry). */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: string;
}

/** Reads DIR/model.json and the weight files its manifest names (inside DIR only). */
export function readStoredModel(dir: string): StoredModel {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) throw modelFileError(file, 'no such file', 'a stage folder holds model.json and weights.bin once the stage has finished');
  let json: { modelTopology?: unknown; weightsManifest?: unknown };
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
  } catch (e) {
    throw modelFileError(file, `not JSON: ${(e as Error).message}`);
  }
  return located(file, () => {
    const manifest = json?.weightsManifest;
    if (!Array.isArray(manifest)) throw new LayerRefusal('weightsManifest: expected a list of weight groups');
    const specs: WeightSpec[] = [];
    const chunks: Buffer[] = [];
    manifest.forEach((group: { paths?: unknown; weights?: unknown }, g) => {
      if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) throw new LayerRefusal(`weightsManifest[${g}]: expected {paths, weights}`);
      for (const [i, p] of group.paths.entries()) chunks.push(readWeightFile(dir, p, `weightsManifest[${g}].paths[${i}]`));
      specs.push(...(group.weights as WeightSpec[]));
    });
    return { file, topology: parseTopology(json.modelTopology), weights: splitWeights(specs, Buffer.concat(chunks)) };
  });
}

/** The same from artifacts in memory (what tf.io.withSaveHandler receives). */
export function storedModelFromArtifacts(label: string, modelTopology: unknown, specs: readonly WeightSpec[], data: ArrayBuffer | ArrayBuffer[]): StoredModel {
  const bytes = Buffer.concat((Array.isArray(data) ? data : [data]).map((b) => Buffer.from(b)));
  return located(label, () => ({ file: label, topology: parseTopology(modelTopology), weights: splitWeights(specs, bytes) }));
}

/** Runs `read`, turning what it refuses into an InputError located at `file`. */
function located(file: string, read: () => StoredModel): StoredModel {
  try {
    return read();
  } catch (e) {
    if (e instanceof LayerRefusal) throw modelFileError(file, e.message, e.hint);
    throw e;
  }
}

/** A weight file named by the manifest: a plain relative path inside the model folder. */
function readWeightFile(dir: string, p: unknown, where: string): Buffer {
  if (typeof p !== 'string' || p === '' || isAbsolute(p) || p.split(/[\\/]/).includes('..')) {
    throw new LayerRefusal(`${where}: ${JSON.stringify(p) ?? 'nothing'} is not a file inside the model folder`);
  }
  const path = join(dir, p);
  if (!existsSync(path)) throw new LayerRefusal(`${where}: ${shown(p)} does not exist in ${dir}`);
  return readFileSync(path);
}

/** The weights by name, in manifest order over the concatenated bytes; every size checked first. */
function splitWeights(specs: readonly WeightSpec[], bytes: Buffer): Map<string, StoredWeight> {
  const out = new Map<string, StoredWeight>();
  let offset = 0;
  specs.forEach((spec, i) => {
    const where = `weightsManifest weight ${i}`;
    if (typeof spec?.name !== 'string') throw new LayerRefusal(`${where}: has no name`);
    if (out.has(spec.name)) throw new LayerRefusal(`${where}: weight ${shown(spec.name)} appears twice`);
    if ((spec.dtype ?? 'float32') !== 'float32') throw new LayerRefusal(`${where}: weight ${shown(spec.name)} is ${String(spec.dtype)}; the export reads float32 weights (as pipe saves them)`);
    if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new LayerRefusal(`${where}: weight ${shown(spec.name)} has shape ${JSON.stringify(spec.shape)?.slice(0, 80) ?? 'nothing'}; expected whole numbers >= 0`);
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + size * 4 > bytes.byteLength) {
      throw new LayerRefusal(`weight ${shown(spec.name)} of shape [${spec.shape.join(', ')}] needs ${size * 4} bytes at offset ${offset}, but the weight files hold ${bytes.byteLength} bytes`, 'the weight file is truncated or belongs to another model.json');
    }
    // A copy: Float32Array needs 4-byte alignment, which a Buffer's offset may lack.
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + size * 4));
    out.set(spec.name, { shape: [...spec.shape], data });
    offset += size * 4;
  });
  if (offset !== bytes.byteLength) throw new LayerRefusal(`the weight files hold ${bytes.byteLength} bytes, the manifest's weights ${offset}`, 'the weight file belongs to another model.json');
  return out;
}
