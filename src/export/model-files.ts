// Reading and writing the tfjs layers format (model.json + weights.bin) as plain data. A stored
// model is checked before anything is allocated: a damaged or hostile model.json (weight files
// outside its folder, sizes that do not add up, dtypes the engine never writes) is refused with
// the file and the reason.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeAtomic } from '../cache/files.js';
import { InputError } from '../errors.js';
import type { LayersModelFiles, ModelTopology, NamedWeight } from './topology.js';

interface ManifestGroup {
  readonly paths: readonly string[];
  readonly weights: readonly { name: string; shape: number[]; dtype?: string }[];
}

const damaged = (file: string, why: string) => new InputError([{ message: `${file}: ${why}`, hint: 'export a model that pipe run saved, or run its stage again' }]);

export function readLayersModel(dir: string): LayersModelFiles {
  const file = join(dir, 'model.json');
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
  return { topology, meta, weights: (weightsManifest as ManifestGroup[]).flatMap((g, i) => readGroup(dir, file, g, i)) };
}

function readGroup(dir: string, file: string, group: ManifestGroup, index: number): NamedWeight[] {
  if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw damaged(file, `weightsManifest[${index}] has no paths and weights`);
  const parts: Buffer[] = [];
  for (const p of group.paths) {
    // A weight file is a name beside model.json, never a path out of the folder.
    if (typeof p !== 'string' || p === '' || p !== basename(p) || p === '.' || p === '..' || p.includes('\\')) throw damaged(file, `weight file ${JSON.stringify(p)} is not a file name in ${dir}`);
    const path = join(dir, p);
    if (!existsSync(path) || !statSync(path).isFile()) throw damaged(file, `weight file ${p} is missing`);
    parts.push(readFileSync(path));
  }
  const bytes = Buffer.concat(parts);
  let at = 0;
  const out: NamedWeight[] = [];
  for (const w of group.weights) {
    const shape = w?.shape;
    if (typeof w?.name !== 'string' || !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw damaged(file, `weight ${JSON.stringify(w?.name)} has no name or a shape that is not whole numbers`);
    if ((w.dtype ?? 'float32') !== 'float32') throw damaged(file, `weight ${w.name} is ${w.dtype}; pipe saves float32 only`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(at + size * 4 <= bytes.length)) throw damaged(file, `weight ${w.name} (${shape.join('x')}) runs past the end of ${group.paths.join(', ')} (${bytes.length} bytes)`);
    out.push({ name: w.name, shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + size * 4)) });
    at += size * 4;
  }
  if (at !== bytes.length) throw damaged(file, `the manifest lists ${at} bytes of weights, ${group.paths.join(', ')} hold ${bytes.length}`);
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
