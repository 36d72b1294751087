// `--set stages.finetune.optimizer.lr=3e-4`: overrides typed by the schema. The value is read
// as YAML (3e-4 is a number, [1, 2] a list, true a boolean), except where the schema wants a
// string, where the text is kept as written. A path the schema does not know is an error naming
// the closest valid path.

import { CORE_SCHEMA, load } from 'js-yaml';
import { InputError, type Diagnostic, type SourceLocation } from '../errors.js';
import { documentProblems, isReservedName, reservedNameMessage } from './document-limits.js';
import { formatPath, parsePath, type Path } from './paths.js';
import type { JsonSchema } from './schema/fragments.js';
import { closest } from './suggest.js';

export interface AppliedOverride {
  readonly path: Path;
  /** Line 0 marks a command-line origin: printed as `--set PATH=VALUE: ...`. */
  readonly location: SourceLocation;
}

type Resolve = (ref: string) => JsonSchema | undefined;

export function applyOverrides(data: Record<string, unknown>, sets: readonly string[], root: JsonSchema, resolveRef: Resolve): AppliedOverride[] {
  const applied: AppliedOverride[] = [];
  const problems: Diagnostic[] = [];
  for (const text of sets) {
    const location: SourceLocation = { file: `--set ${text}`, line: 0, col: 0 };
    const eq = text.indexOf('=');
    if (eq <= 0) {
      problems.push({ location, message: 'expected PATH=VALUE, e.g. stages.train.epochs=2' });
      continue;
    }
    const path = parsePath(text.slice(0, eq));
    const raw = text.slice(eq + 1);
    try {
      const reserved = path.find((seg): seg is string => typeof seg === 'string' && isReservedName(seg));
      if (reserved !== undefined) throw new OverrideError(reservedNameMessage(reserved));
      const target = walk(data, path, root, resolveRef);
      const value = typedValue(raw, target.schema, resolveRef);
      const last = path[path.length - 1];
      const limits = documentProblems(value, () => location, typeof last === 'string' ? last : undefined);
      if (limits.length > 0) throw new OverrideError(limits[0].path ? `${limits[0].path}: ${limits[0].message}` : limits[0].message);
      (target.parent as Record<string | number, unknown>)[target.key] = value;
      applied.push({ path, location });
    } catch (e) {
      if (!(e instanceof OverrideError)) throw e;
      problems.push({ location, message: e.message });
    }
  }
  if (problems.length) throw new InputError(problems);
  return applied;
}

/** Why `PATH=...` could not be set in `data` whatever the value (a key the schema does not know,
 *  with the closest valid path; an item past a list's end), or undefined. `data` is not changed. */
export function overridePathProblem(data: Record<string, unknown>, path: Path, root: JsonSchema, resolveRef: Resolve): string | undefined {
  try {
    const reserved = path.find((seg): seg is string => typeof seg === 'string' && isReservedName(seg));
    if (reserved !== undefined) return reservedNameMessage(reserved);
    walk(structuredClone(data), path, root, resolveRef);
    return undefined;
  } catch (e) {
    if (e instanceof OverrideError) return e.message;
    throw e;
  }
}

class OverrideError extends Error {}

interface Target {
  readonly parent: object;
  readonly key: string | number;
  readonly schema: JsonSchema | undefined;
}

function walk(data: Record<string, unknown>, path: Path, root: JsonSchema, resolveRef: Resolve): Target {
  if (path.length === 0) throw new OverrideError('the path is empty');
  let node: Record<string | number, unknown> | unknown[] = data;
  let schema: JsonSchema | undefined = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const here = formatPath(path.slice(0, i)) || 'the pipeline';
    const child = childSchema(schema, seg, node, resolveRef);
    if (child === undefined) {
      const known = knownKeys(schema, node, resolveRef);
      const near = typeof seg === 'string' ? closest(seg, known) : undefined;
      const suggestion = near ? `; did you mean '${formatPath([...path.slice(0, i), near])}'?` : known.length ? ` (known: ${known.join(', ')})` : '';
      throw new OverrideError(`no key '${String(seg)}' in ${here}${suggestion}`);
    }
    if (Array.isArray(node) && (typeof seg !== 'number' || seg >= node.length)) {
      throw new OverrideError(`${here} has ${node.length} items: no item ${String(seg)}`);
    }
    if (i === path.length - 1) return { parent: node, key: seg, schema: child };
    const rec = node as Record<string | number, unknown>;
    if (rec[seg] === undefined || rec[seg] === null) rec[seg] = {};
    const next = rec[seg];
    if (typeof next !== 'object' || next === null) throw new OverrideError(`${formatPath(path.slice(0, i + 1))} is a ${typeof next}, not a map or list`);
    node = next as Record<string | number, unknown>;
    schema = child;
  }
  throw new OverrideError('unreachable');
}

/** The schema of `seg` under `schema`, choosing if/then/else and union branches by the data. */
function childSchema(schema: JsonSchema | undefined, seg: string | number, node: unknown, resolveRef: Resolve): JsonSchema | undefined {
  const s = branchFor(schema, node, resolveRef);
  if (!s) return undefined;
  if (typeof seg === 'number') return (s.items as JsonSchema | undefined) ?? (s.type === 'array' ? {} : undefined);
  const props = s.properties as Record<string, JsonSchema> | undefined;
  if (props && seg in props) return props[seg];
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return s.additionalProperties as JsonSchema;
  return undefined;
}

function branchFor(schema: JsonSchema | undefined, node: unknown, resolveRef: Resolve, depth = 0): JsonSchema | undefined {
  if (!schema || depth > 8) return schema;
  if (typeof schema.$ref === 'string') return branchFor(resolveRef(schema.$ref), node, resolveRef, depth + 1);
  if (schema.if && typeof schema.if === 'object') {
    const required = ((schema.if as JsonSchema).required as string[] | undefined) ?? [];
    const matches = node !== null && typeof node === 'object' && required.every((k) => k in (node as object));
    return branchFor((matches ? schema.then : schema.else) as JsonSchema, node, resolveRef, depth + 1);
  }
  if (schema.discriminator && Array.isArray(schema.oneOf)) {
    const tag = (schema.discriminator as { propertyName: string }).propertyName;
    const value = (node as Record<string, unknown> | null)?.[tag];
    for (const b of schema.oneOf as JsonSchema[]) {
      const branch = branchFor(b, node, resolveRef, depth + 1);
      if ((branch?.properties as Record<string, JsonSchema> | undefined)?.[tag]?.const === value) return branch;
    }
    return undefined;
  }
  if (Array.isArray(schema.anyOf)) {
    const want = Array.isArray(node) ? 'array' : 'object';
    for (const b of schema.anyOf as JsonSchema[]) {
      const branch = branchFor(b, node, resolveRef, depth + 1);
      if (branch?.type === want) return branch;
    }
  }
  return schema;
}

function knownKeys(schema: JsonSchema | undefined, node: unknown, resolveRef: Resolve): string[] {
  const s = branchFor(schema, node, resolveRef);
  const fromSchema = Object.keys((s?.properties as object | undefined) ?? {});
  const fromData = s?.additionalProperties && node && typeof node === 'object' ? Object.keys(node) : [];
  return [...new Set([...fromSchema, ...fromData])];
}

function typedValue(raw: string, schema: JsonSchema | undefined, resolveRef: Resolve): unknown {
  let parsed: unknown;
  try {
    // js-yaml with the core schema: the same reading of `3e-4`, `[1, 7]` or `true` as the files get.
    parsed = load(raw, { schema: CORE_SCHEMA });
  } catch {
    parsed = raw;
  }
  if (wantsOnlyString(schema, resolveRef) && typeof parsed !== 'string') return raw;
  return parsed;
}

function wantsOnlyString(schema: JsonSchema | undefined, resolveRef: Resolve): boolean {
  const s = schema && typeof schema.$ref === 'string' ? resolveRef(schema.$ref) : schema;
  if (!s) return false;
  if (s.type === 'string') return true;
  return Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string');
}
