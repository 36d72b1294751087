// Words for what a schema expects and what was found, so each message says both.
import type { JsonSchema } from './schema/fragments.js';
import { EXPRESSION_PATTERN } from './schema/fragments.js';
import { SET_PATH_PATTERN } from './paths.js';

export type RefResolver = (ref: string) => JsonSchema | undefined;

export function describeSchema(schema: JsonSchema | undefined, resolveRef: RefResolver, depth = 0): string {
  if (!schema || depth > 4) return 'a valid value';
  if (typeof schema.$ref === 'string') return describeSchema(resolveRef(schema.$ref), resolveRef, depth + 1);
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) {
    const items = schema.enum.map((v) => JSON.stringify(v));
    return items.length === 1 ? items[0] : `one of ${items.join(', ')}`;
  }
  if (Array.isArray(schema.anyOf)) {
    return (schema.anyOf as JsonSchema[]).map((s) => describeSchema(s, resolveRef, depth + 1)).join(' or ');
  }
  if (typeof schema.pattern === 'string' && schema.type === undefined) return describePattern(schema.pattern);
  switch (schema.type) {
    case 'integer':
      return `an integer${bounds(schema)}`;
    case 'number':
      return `a number${bounds(schema)}`;
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'string':
      if (typeof schema.pattern === 'string') return describePattern(schema.pattern);
      return typeof schema.minLength === 'number' && schema.minLength > 0 ? 'a non-empty string' : 'a string';
    case 'array': {
      const item = schema.items ? describeSchema(schema.items as JsonSchema, resolveRef, depth + 1) : 'values';
      const n = schema.minItems === schema.maxItems && typeof schema.minItems === 'number' ? `${schema.minItems} ` : '';
      const atLeast = !n && typeof schema.minItems === 'number' && schema.minItems > 0 ? `at least ${schema.minItems} ` : '';
      return `a list of ${n}${atLeast}items, each ${item}`;
    }
    case 'object':
      return 'a map';
    default:
      return 'a valid value';
  }
}

const PATTERN_WORDS: Record<string, string> = {
  [EXPRESSION_PATTERN]: 'a $param or ${expression}',
  '^[A-Za-z_][A-Za-z0-9_-]{0,99}$': 'a name of at most 100 characters (a letter or _, then letters, digits, _ or -)',
  '^[A-Za-z_][A-Za-z0-9_]{0,99}$': 'a name of at most 100 characters (a letter or _, then letters, digits or _)',
  '^[0-9]+$': 'a whole number',
  [SET_PATH_PATTERN]: 'a path such as stages.finetune.optimizer.lr or models.head.nodes[2].units',
};

function describePattern(pattern: string): string {
  return PATTERN_WORDS[pattern] ?? `a string matching ${pattern}`;
}

function bounds(s: JsonSchema): string {
  const lo = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : undefined;
  const hi = typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : undefined;
  const loOpen = typeof s.exclusiveMinimum === 'number';
  const hiOpen = typeof s.exclusiveMaximum === 'number';
  if (lo !== undefined && hi !== undefined) return ` in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`;
  if (lo !== undefined) return ` ${loOpen ? '>' : '>='} ${lo}`;
  if (hi !== undefined) return ` ${hiOpen ? '<' : '<='} ${hi}`;
  return '';
}

/** A found value, short enough for one line. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const text = JSON.stringify(v);
  const kind = Array.isArray(v) ? 'a list' : 'a map';
  return text.length <= 40 ? `${kind} ${text}` : kind;
}
