// Schema validation with messages a person can act on: every error located, naming the path,
// what was expected and what was found; unknown keys and names get the closest known one.
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic, SourceLocation } from '../errors.js';
import { describeSchema, showValue } from './describe.js';
import { nonFiniteNumbers, withoutNonFinitePlaces } from './finite.js';
import { formatPath, fromJsonPointer, getAt, type Path } from './paths.js';
import type { JsonSchema } from './schema/fragments.js';
import { closest, didYouMean } from './suggest.js';

/** Finds where a path is written: at its value when `at: 'value'`, else at its key. */
export type Locate = (path: Path, at?: 'key' | 'value') => SourceLocation | undefined;

const SCHEMA_URL = new URL('../../schemas/pipeline.schema.json', import.meta.url);
// Built by scripts/compile-validator.mjs next to this file in dist/; absent when running from src/.
const PRECOMPILED_URL = new URL('./pipeline-validator.js', import.meta.url);
const AJV_OPTIONS = { allErrors: true, verbose: true, discriminator: true, useDefaults: true, strict: false } as const;

let schemaCache: JsonSchema | undefined;
let validatorCache: Promise<ValidateFunction> | undefined;

export function pipelineJsonSchema(): JsonSchema {
  schemaCache ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as JsonSchema;
  return schemaCache;
}

function validator(): Promise<ValidateFunction> {
  validatorCache ??= import(PRECOMPILED_URL.href).then(
    (m: { validate: ValidateFunction }) => m.validate,
    // useDefaults fills every default into the data: the resolved pipeline needs no second table.
    async () => new (await import('ajv/dist/2020.js')).Ajv2020(AJV_OPTIONS).compile(pipelineJsonSchema()),
  );
  return validatorCache;
}

export function resolveSchemaRef(ref: string): JsonSchema | undefined {
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  const defs = pipelineJsonSchema().$defs as Record<string, JsonSchema>;
  return m ? defs[m[1]] : undefined;
}

/** Validates `data` in place (defaults are filled) and explains every error found. */
export async function validatePipelineData(data: unknown, locate: Locate): Promise<Diagnostic[]> {
  const validate = await validator();
  const nonFinite = nonFiniteNumbers(data, locate);
  if (validate(data)) return nonFinite;
  return [...nonFinite, ...withoutNonFinitePlaces(explain(validate.errors ?? [], data, locate), nonFinite)];
}

/** What `explain` needs of the schema it explains: its $refs, and the words for the root. */
export interface ExplainContext {
  readonly resolveRef: (ref: string) => JsonSchema | undefined;
  /** The document as a whole, in messages: `the pipeline`, `the study`. */
  readonly root: string;
}

const PIPELINE_CONTEXT: ExplainContext = { resolveRef: resolveSchemaRef, root: 'the pipeline' };

/** ajv's errors as located messages: one per problem, unknown keys and names with the closest known one. */
export function explain(all: readonly ErrorObject[], data: unknown, locate: Locate, ctx: ExplainContext = PIPELINE_CONTEXT): Diagnostic[] {
  const errors = selectBranches(all.filter((e) => e.keyword !== 'if' && e.keyword !== 'oneOf'));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const requiredAt = new Set(errors.filter((e) => e.keyword === 'required').map((e) => `${e.instancePath}|${(e.params as { missingProperty: string }).missingProperty}`));
  for (const e of errors) {
    const d = diagnosticFor(e, data, locate, requiredAt, ctx);
    if (!d) continue;
    const key = `${d.location?.line}:${d.location?.col}|${d.path}|${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

/** anyOf errors whose value had the right type for exactly one alternative: that alternative. */
const narrowed = new Map<ErrorObject, number>();

/**
 * anyOf errors list every alternative's complaint. Keep the alternative whose type matches the
 * value (its complaints are the real ones); if none or several match, or the match only failed
 * at the value itself, replace them all by one "expected A or B" message.
 */
function selectBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  narrowed.clear();
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  const dropped = new Set<ErrorObject>();
  for (const outer of anyOfs) {
    if (dropped.has(outer)) continue;
    const prefix = `${outer.schemaPath}/`;
    const children = errors.filter((e) => e.schemaPath.startsWith(prefix) && e.instancePath.startsWith(outer.instancePath));
    const byBranch = new Map<number, ErrorObject[]>();
    for (const c of children) {
      const branch = Number(c.schemaPath.slice(prefix.length).split('/')[0]);
      byBranch.set(branch, [...(byBranch.get(branch) ?? []), c]);
    }
    const branches = (outer.schema as unknown[]).length;
    const typeMatches = [...Array(branches).keys()].filter((b) => !(byBranch.get(b) ?? []).some((c) => c.keyword === 'type' && c.instancePath === outer.instancePath));
    const chosen = typeMatches.length === 1 ? byBranch.get(typeMatches[0]) ?? [] : [];
    const deeper = chosen.some((c) => c.instancePath !== outer.instancePath || c.keyword === 'required' || c.keyword === 'additionalProperties' || c.keyword === 'discriminator');
    for (const c of children) if (!(deeper && chosen.includes(c))) dropped.add(c);
    if (deeper) dropped.add(outer);
    // Right type, wrong value (0 for an integer >= 1): describe only the alternative it meant. A
    // number written as a string (1.0e400, past a double's range) meant the number, not an
    // expression: every alternative is named then.
    else if (typeMatches.length === 1 && !(chosen.every((c) => c.keyword === 'pattern') && /^[-+]?[0-9.]/.test(String(outer.data)))) narrowed.set(outer, typeMatches[0]);
  }
  return errors.filter((e) => !dropped.has(e));
}

function diagnosticFor(e: ErrorObject, data: unknown, locate: Locate, requiredAt: ReadonlySet<string>, ctx: ExplainContext): Diagnostic | undefined {
  const path = fromJsonPointer(e.instancePath, data);
  const where = formatPath(path) || ctx.root;
  const describe = (schema: JsonSchema | undefined) => describeSchema(schema, ctx.resolveRef);
  const value = getAt(data, path);
  const parent = e.parentSchema as JsonSchema | undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((parent?.properties as object | undefined) ?? {});
      const near = closest(key, known);
      return {
        location: locate([...path, key]),
        message: `unknown key '${key}' in ${where}${near ? `; did you mean '${near}'?` : ''}`,
        // A typo also leaves the intended key missing: that second complaint adds nothing.
        ...(near ? { supersedes: `${formatPath(path)}#${near}` } : {}),
      };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { location: locate(path), message: `missing required key '${key}' in ${where}`, about: `${formatPath(path)}#${key}` };
    }
    case 'discriminator': {
      const p = e.params as { error: string; tag: string; tagValue: unknown };
      if (p.error === 'tag') {
        if (requiredAt.has(`${e.instancePath}|${p.tag}`)) return undefined;
        return { location: locate([...path, p.tag], 'value'), path: formatPath([...path, p.tag]), message: `expected a string, found ${showValue(p.tagValue)}` };
      }
      const names = branchNames(parent, p.tag, ctx);
      return {
        location: locate([...path, p.tag], 'value'),
        message: `unknown ${p.tag} '${String(p.tagValue)}' in ${where}${didYouMean(String(p.tagValue), names)}`,
        hint: `known: ${names.join(', ')}`,
      };
    }
    case 'propertyNames':
      return undefined; // its nested 'pattern'/'enum' error, reported with the name, says it better
    case 'anyOf': {
      const branch = narrowed.get(e);
      const expected = branch === undefined ? parent : (e.schema as JsonSchema[])[branch];
      return { location: locate(path, 'value'), path: where, message: `expected ${describe(expected)}, found ${showValue(value)}` };
    }
    case 'minProperties':
      return { location: locate(path, 'value'), path: where, message: `expected at least ${(e.params as { limit: number }).limit} entries, found ${Object.keys((value as object) ?? {}).length}` };
    default: {
      const name = (e as { propertyName?: string }).propertyName;
      if (name !== undefined) {
        return { location: locate([...path, name]), message: `invalid name '${name}' in ${where}: expected ${describe(parent)}` };
      }
      return { location: locate(path, 'value'), path: where, message: `expected ${describe(parent)}, found ${showValue(value)}` };
    }
  }
}

/** The names a discriminated union accepts (the `const` of each branch's tag). */
function branchNames(parent: JsonSchema | undefined, tag: string, ctx: ExplainContext): string[] {
  const oneOf = (parent?.oneOf as JsonSchema[] | undefined) ?? [];
  return oneOf.map((b) => {
    const s = typeof b.$ref === 'string' ? ctx.resolveRef(b.$ref) : b;
    const props = s?.properties as Record<string, JsonSchema> | undefined;
    return String(props?.[tag]?.const ?? '?');
  });
}
