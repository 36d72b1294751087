// Which tensor of a safetensors file each weighted node takes, checked before anything runs: only
// the file's header is read (and the file hashed for the stage keys). Every problem is reported at
// once, located at the model's `weights`: a missing tensor (with the nearest name in the file), a
// shape or dtype that does not fit, an op the import cannot map, and (strict) tensors no node takes.
import type { WeightsImport } from '../../config/types.js';
import { formatPath, type Path } from '../../config/paths.js';
import { editDistance } from '../../config/suggest.js';
import type { Locate } from '../../config/validate.js';
import type { Diagnostic } from '../../errors.js';
import type { NodePlan } from '../analyze.js';
import { OpError } from '../op.js';
import { fileSha256 } from './file-hash.js';
import { FLOAT_DTYPES, quote, readSafetensorsHeader, SafetensorsError, type SafetensorsHeader } from './safetensors.js';
import { torchLayouts, type TorchTensor } from './torch-layouts.js';
import { renamer } from './torch-names.js';

export interface TensorImport {
  /** The tensor's name in the file. */
  readonly tensor: string;
  readonly layout: TorchTensor;
}

export interface NodeImport {
  readonly node: string;
  readonly tensors: readonly TensorImport[];
}

export interface WeightImportPlan {
  readonly file: string;
  /** The file's bytes: part of the stage keys, and checked again when the weights are loaded. */
  readonly sha256: string;
  readonly nodes: readonly NodeImport[];
}

/** How many missing or unused tensors are named one by one before the rest are counted. */
const LISTED = 10;

export function planWeightImport(model: string, spec: WeightsImport, nodes: readonly NodePlan[], locate: Locate): { plan?: WeightImportPlan; problems: Diagnostic[] } {
  const at = (...rest: (string | number)[]): Pick<Diagnostic, 'location' | 'path'> => {
    const path: Path = ['models', model, 'weights', ...rest];
    return { location: locate(path, 'value'), path: formatPath(path) };
  };
  const problems: Diagnostic[] = [];
  const rename = compiled(() => renamer(spec.rename), (i) => at('rename', i, 'match'), spec.rename.map((r) => r.match), problems);
  const exclude = spec.exclude.map((pattern, i) => compiled(() => new RegExp(pattern), () => at('exclude', i), [pattern], problems));
  let header: SafetensorsHeader;
  try {
    header = readSafetensorsHeader(spec.file);
  } catch (e) {
    return { problems: [...problems, { ...at('file'), message: unreadable(spec.file, e) }] };
  }
  if (!rename || exclude.some((x) => x === undefined)) return { problems };

  const byName = new Map(nodes.map((n) => [n.name, n]));
  const upstream = (name: string) => byName.get(name);
  const taken = new Set<string>();
  const missing: { tensor: string; node: string }[] = [];
  const imports: NodeImport[] = [];
  for (const node of nodes) {
    const layout = torchLayouts[node.op];
    if (!layout) {
      if (node.trainable > 0 && !exclude.some((x) => x!.test(node.name))) {
        problems.push({ ...at(), message: `node '${node.name}': the import cannot map the weights of op ${node.op} yet (it maps ${Object.keys(torchLayouts).join(', ')})`, hint: 'exclude the node to keep its initialisers' });
      }
      continue;
    }
    let tensors: readonly TorchTensor[];
    try {
      tensors = layout(node, upstream);
    } catch (e) {
      if (!(e instanceof OpError)) throw e;
      problems.push({ ...at(), message: `node '${node.name}': ${e.message}` });
      // Its tensors are not also "unused": the node is what is wrong.
      for (const name of header.tensors.keys()) if (name.startsWith(`${rename(node.name)}.`)) taken.add(name);
      continue;
    }
    const module = rename(node.name);
    const named = tensors.map((t) => ({ tensor: `${module}.${t.torch}`, layout: t }));
    if (exclude.some((x) => x!.test(node.name))) {
      named.forEach((t) => taken.add(t.tensor));
      continue;
    }
    for (const { tensor, layout: t } of named) {
      const entry = header.tensors.get(tensor);
      if (!entry) {
        missing.push({ tensor, node: node.name });
        continue;
      }
      taken.add(tensor);
      if (!(FLOAT_DTYPES as readonly string[]).includes(entry.dtype)) {
        problems.push({ ...at(), message: `tensor ${quote(tensor)} is ${entry.dtype}; node '${node.name}' needs floats (${FLOAT_DTYPES.join(', ')})` });
      } else if (entry.shape.join() !== t.shape.join()) {
        problems.push({ ...at(), message: `tensor ${quote(tensor)} is [${entry.shape.join(', ')}] in the file, but node '${node.name}' (${node.op}) needs [${t.shape.join(', ')}] for its ${t.engine.split('|')[0]}` });
      }
    }
    imports.push({ node: node.name, tensors: named });
  }

  const available = [...header.tensors.keys()].filter((n) => !taken.has(n));
  const unused = available.filter((n) => !n.endsWith('.num_batches_tracked'));
  for (const m of missing.slice(0, LISTED)) {
    const near = nearest(m.tensor, unused);
    problems.push({ ...at(), message: `tensor ${quote(m.tensor)} of node '${m.node}' is not in ${spec.file}${near === undefined ? '' : `; nearest: ${quote(near)}`}`, hint: 'map node names to the file\'s with rename, or exclude the node' });
  }
  if (missing.length > LISTED) problems.push({ ...at(), message: `and ${missing.length - LISTED} more tensors missing from ${spec.file}` });
  if (spec.strict && unused.length > 0) {
    const listed = unused.slice(0, LISTED).map(quote).join(', ') + (unused.length > LISTED ? ` and ${unused.length - LISTED} more` : '');
    problems.push({ ...at(), message: `${unused.length} tensor${unused.length === 1 ? '' : 's'} in ${spec.file} no node takes: ${listed}`, hint: 'map them with rename, or set strict: false to leave them' });
  }
  if (problems.length > 0) return { problems };
  return { plan: { file: spec.file, sha256: fileSha256(spec.file), nodes: imports }, problems };
}

/** The file's name closest to `name` by edit distance (not only typos: a file for another naming
 *  scheme shows which). Not searched in files of over 10,000 tensors (a hostile header). */
function nearest(name: string, names: readonly string[]): string | undefined {
  if (names.length > 10_000) return undefined;
  let best: string | undefined;
  let distance = Infinity;
  for (const n of names) {
    const d = editDistance(name, n);
    if (d < distance) [best, distance] = [n, d];
  }
  return best;
}

/** A regular expression the user wrote, or a located problem saying why it is not one. */
function compiled<T>(make: () => T, where: (i: number) => Pick<Diagnostic, 'location' | 'path'>, patterns: readonly string[], problems: Diagnostic[]): T | undefined {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const i = patterns.findIndex((p) => !isRegExp(p));
    problems.push({ ...where(Math.max(i, 0)), message: `not a regular expression: ${e.message}` });
    return undefined;
  }
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Why the file cannot be used: a damaged header, or what the file system said. */
export function unreadable(file: string, e: unknown): string {
  if (e instanceof SafetensorsError) return e.message;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : code === 'EACCES' ? 'permission denied' : undefined;
  if (why === undefined) throw e;
  return `cannot read ${file}: ${why}`;
}
