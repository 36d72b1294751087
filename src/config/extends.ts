// `extends: ./base.yaml`: a pipeline builds on another. One merge rule, documented in the schema
// and docs/pipeline-language.md: maps merge key by key, lists are replaced whole, null deletes.
import { stat } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { loadYamlFile, PIPELINE_DOCUMENT, type DocumentKind, type LoadedFile } from './load.js';

export interface ComposedSource {
  /** The merged value, `extends` removed. */
  readonly value: Record<string, unknown>;
  /** The files it came from, the named file first, then its base, then the base's base. */
  readonly files: readonly LoadedFile[];
}

const MAX_DEPTH = 32;

/** Loads `file` and every file it extends, merged. Studies extend studies the same way (`kind`). */
export async function loadWithExtends(file: string, cwd: string, kind: DocumentKind = PIPELINE_DOCUMENT): Promise<ComposedSource> {
  const files: LoadedFile[] = [];
  const seen: string[] = [];
  let current = file;
  let absolute = resolve(cwd, file);
  for (;;) {
    const loaded = await loadYamlFile(current, absolute, kind);
    files.push(loaded);
    seen.push(absolute);
    const ext = (loaded.value as Record<string, unknown>).extends;
    if (ext === undefined || ext === null) break;
    const location = loaded.location('extends\u0000value') ?? loaded.location('extends');
    if (typeof ext !== 'string' || ext === '') {
      throw new InputError([{ location, path: 'extends', message: `expected a path to a ${kind.noun} file, found ${JSON.stringify(ext)}` }]);
    }
    const next = resolve(dirname(absolute), ext);
    if (seen.includes(next)) {
      const chain = [...seen, next].map((p) => relative(cwd, p) || p).join(' -> ');
      throw new InputError([{ location, path: 'extends', message: `extends cycle: ${chain}` }]);
    }
    if (seen.length >= MAX_DEPTH) throw new InputError([{ location, path: 'extends', message: `extends is nested more than ${MAX_DEPTH} deep` }]);
    current = relative(cwd, next) || next;
    absolute = next;
    if (!(await isFile(next))) {
      throw new InputError([{ location, path: 'extends', message: `extended file not found: ${ext} (resolved to ${current})` }]);
    }
  }
  let value: unknown = {};
  for (let i = files.length - 1; i >= 0; i--) value = mergeOver(value, files[i].value);
  const { extends: _dropped, ...rest } = value as Record<string, unknown>;
  return { value: rest, files };
}

/** `over` on top of `base`: maps merge key by key, anything else (lists included) replaces; null deletes. */
export function mergeOver(base: unknown, over: unknown): unknown {
  if (!isPlainMap(base) || !isPlainMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = key in out ? mergeOver(out[key], value) : stripNulls(value);
  }
  return out;
}

// A null in an overriding map that has nothing below it to delete is simply dropped, so the
// merged value never holds the deletion markers.
function stripNulls(value: unknown): unknown {
  if (!isPlainMap(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, stripNulls(v)]));
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
