// What every document read from the user (a pipeline file, a base it extends, a --set value)
// must respect before anything else reads it. Two families:
//
// - Aliases. YAML's `*a` shares the anchored value; both parsers return shared references, so
//   the text stays small while its expansion can reach billions of nodes (a 1.3 KB "billion
//   laughs" file) and every later walk (the schema, the merge of extends) pays for it. One rule
//   for every path: at most MAX_ALIASES reuses of a list or map, and at most MAX_NODES nodes once
//   every alias is expanded.
// - Names that JavaScript objects already have (`__proto__`, `constructor`, `toString`...). As a
//   key, `__proto__` replaces an object's prototype when merged and so vanishes; as the name of a
//   model, stage, block or node, `toString` is "found" on every plain object. They are refused as
//   keys anywhere and as the values of the fields that name or reference things.
import type { Diagnostic, SourceLocation } from '../errors.js';
import { formatPath, type Path } from './paths.js';

export const MAX_ALIASES = 100;
export const MAX_NODES = 100_000;

/** Object.prototype's own names (`__proto__`, `constructor`, `toString`, `hasOwnProperty`...) and `prototype`. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Fields whose string values name a model, stage, block, chain or node, or reference one. */
const NAME_FIELDS = new Set(['name', 'from', 'model', 'input', 'block', 'compose', 'needs', 'freeze', 'augment', 'corrupt', 'monitor']);

export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name);
}

export function reservedNameMessage(name: string): string {
  return `'${name}' is a reserved name (every JavaScript object has it): choose another`;
}

/** Every problem of the families above in `value` (the value of `field`, if it is one), located
 *  by `locate` (a path's key, or its value); `noun` names what the document is. */
export function documentProblems(value: unknown, locate: (path: Path, at: 'key' | 'value') => SourceLocation | undefined, field?: string, noun = 'pipeline'): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: Path, kind: 'key' | 'value', message: string) => out.push({ location: locate(path, kind), path: formatPath(path), message });
  const seen = new Set<object>();
  let reuses = 0;
  const walk = (v: unknown, path: Path, field: string | undefined): boolean => {
    if (typeof v === 'string') {
      if (field !== undefined && NAME_FIELDS.has(field) && isReservedName(v)) at(path, 'value', reservedNameMessage(v));
      return true;
    }
    if (v === null || typeof v !== 'object') return true;
    if (seen.has(v)) {
      if (++reuses > MAX_ALIASES) {
        at(path, 'value', `more than ${MAX_ALIASES} aliases (*name) to lists or maps: a ${noun} needs far fewer (YAML's anchors are for sharing a few blocks)`);
        return false;
      }
      return true;
    }
    seen.add(v);
    if (Array.isArray(v)) return v.every((item, i) => walk(item, [...path, i], field));
    for (const key of Object.keys(v)) {
      if (isReservedName(key)) at([...path, key], 'key', reservedNameMessage(key));
      if (!walk((v as Record<string, unknown>)[key], [...path, key], key)) return false;
    }
    return true;
  };
  if (!walk(value, [], field)) return out;
  const size = expandedSize(value);
  if (size > MAX_NODES) at([], 'value', `its aliases expand to ${size > 1e12 ? 'over 10^12' : size.toLocaleString('en-US')} values, over the limit of ${MAX_NODES.toLocaleString('en-US')}: an alias of an alias multiplies (a "billion laughs")`);
  return out;
}

/** Nodes once every alias is expanded, computed over the shared references (linear in the text). */
function expandedSize(value: unknown): number {
  const memo = new Map<object, number>();
  const size = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = memo.get(v);
    if (known !== undefined) return known;
    memo.set(v, 1); // a cycle (YAML allows a node to alias its own ancestor) counts once
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) n += size(child);
    memo.set(v, n);
    return n;
  };
  return size(value);
}
