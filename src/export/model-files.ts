// Reading and writing the tfjs layers format (model.json + weights.bin) as plain data: the one
// reader of a stored model, for every export format (the ONNX converter reads what it returns,
// onnx/stored-model.ts). A stored model is checked whole before anything is written: a damaged or
// hostile model.json (weight files outside its folder, sizes that do not add up, a weight twice,
// dtypes the engine never writes) is refused with the file and the reason.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeAtomic } from '../cache/files.js';
import { modelFileError, shown } from './onnx/refusal.js';
import type { LayersModelFiles, ModelTopology, NamedWeight } from './topology.js';

/** One entry of model.json's weightsManifest[].weights (tf.io.WeightsManifestEntry). */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: string;
}

const REDO = 'export a model that pipe run saved, or run its stage again';
const damaged = (file: string, why: string, hint = REDO) => modelFileError(file, why, hint);

/** Reads DIR/model.json and the weight files its manifest names (file names beside it only). */
export function readLayersModel(dir: string): LayersModelFiles {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) throw modelFileError(file, 'no such file', 'a stage folder holds model.json and weights.bin once the stage has finished');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw e; // the machine's refusal, said by the top-level handler
    throw damaged(file, `not JSON (${(e as Error).message})`);
  }
  const { modelTopology, weightsManifest, ...meta } = json ?? {};
  const topology = modelTopology as ModelTopology | undefined;
  if (!topology || typeof topology !== 'object' || !topology.config || !Array.isArray(topology.config.layers) || !Array.isArray(topology.config.output_layers)) {
    throw damaged(file, 'no modelTopology.config with layers and output_layers: not a tfjs layers model');
  }
  for (const [i, l] of topology.config.layers.entries()) {
    if (!l || typeof l.name !== 'string' || typeof l.class_name !== 'string' || !l.config || typeof l.config !== 'object' || !Array.isArray(l.inbound_nodes)) {
      throw damaged(file, `layer ${i} has no name, class_name, config or inbound_nodes`);
    }
  }
  if (!Array.isArray(weightsManifest)) throw damaged(file, 'no weightsManifest');
  const weights = (weightsManifest as unknown[]).flatMap((g, i) => readGroup(dir, file, g as { paths?: unknown; weights?: unknown }, i));
  // Within a group splitWeights refuses a name twice; across groups, here.
  const seen = new Set<string>();
  for (const w of weights) {
    if (seen.has(w.name)) throw damaged(file, `weight ${shown(w.name)} appears twice in the manifest`);
    seen.add(w.name);
  }
  return { topology, meta, weights };
}

function readGroup(dir: string, file: string, group: { paths?: unknown; weights?: unknown }, index: number): NamedWeight[] {
  if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw damaged(file, `weightsManifest[${index}] has no paths and weights`);
  const parts: Buffer[] = [];
  for (const p of group.paths as unknown[]) {
    // A weight file is a name beside model.json, never a path out of the folder.
    if (typeof p !== 'string' || p === '' || p !== basename(p) || p === '.' || p === '..' || p.includes('\\')) throw damaged(file, `weight file ${JSON.stringify(p)} is not a file name in ${dir}`);
    const path = join(dir, p);
    if (!existsSync(path) || !statSync(path).isFile()) throw damaged(file, `weight file ${shown(p)} is missing in ${dir}`);
    parts.push(readFileSync(path));
  }
  return splitWeights(file, group.weights as WeightSpec[], Buffer.concat(parts));
}

/**
 * The weights named by `specs`, in order over `bytes` (model.json's `file` for messages); every
 * name, dtype, shape and size checked first. Also the reader of artifacts in memory.
 */
export function splitWeights(file: string, specs: readonly WeightSpec[], bytes: Buffer): NamedWeight[] {
  const out: NamedWeight[] = [];
  let offset = 0;
  specs.forEach((spec, i) => {
    const where = `weightsManifest weight ${i}`;
    if (typeof spec?.name !== 'string') throw damaged(file, `${where}: has no name`);
    if (out.some((w) => w.name === spec.name)) throw damaged(file, `${where}: weight ${shown(spec.name)} appears twice`);
    if ((spec.dtype ?? 'float32') !== 'float32') throw damaged(file, `${where}: weight ${shown(spec.name)} is ${shown(String(spec.dtype))}; pipe saves float32 weights only`);
    if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw damaged(file, `${where}: weight ${shown(spec.name)} has shape ${JSON.stringify(spec.shape)?.slice(0, 80) ?? 'nothing'}; expected whole numbers >= 0`);
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + size * 4 > bytes.byteLength) {
      throw damaged(file, `weight ${shown(spec.name)} of shape [${spec.shape.join(', ')}] needs ${size * 4} bytes at offset ${offset}, but the weight files hold ${bytes.byteLength} bytes`, 'the weight file is truncated or belongs to another model.json');
    }
    // A copy: Float32Array needs 4-byte alignment, which a Buffer's offset may lack.
    out.push({ name: spec.name, shape: [...spec.shape], data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + size * 4)) });
    offset += size * 4;
  });
  if (offset !== bytes.byteLength) throw damaged(file, `the weight files hold ${bytes.byteLength} bytes, the manifest's weights ${offset}`, 'the weight file belongs to another model.json');
  return out;
}

/** Writes dir/model.json and dir/weights.bin (one group, float32, in `weights` order), each atomically. */
export function writeLayersModel(dir: string, model: LayersModelFiles): void {
  mkdirSync(dir, { recursive: true });
  const data = Buffer.concat(model.weights.map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)));
  writeAtomic(join(dir, 'weights.bin'), data);
  const manifest = {
    modelTopology: model.topology,
    ...model.meta,
    weightsManifest: [{ paths: ['weights.bin'], weights: model.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
  };
  writeAtomic(join(dir, 'model.json'), Buffer.from(JSON.stringify(manifest)));
}
