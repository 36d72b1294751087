// One walk over the whole pipeline, before the schema: a number that is not finite (YAML's
// `.inf`, `-.inf`, `.nan`, or a literal beyond a double's range like `1e400`) is refused in any
// field, so a field added later is covered without naming it. No setting of the engine means
// anything with an infinite value: each would pass its bounds and fail later, unlocated.
import type { Diagnostic } from '../errors.js';
import type { Locate } from './validate.js';
import { formatPath, type PathSegment } from './paths.js';

/** `.inf`, `-.inf` and `.nan`, as YAML writes them. */
export function yamlNumber(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  return String(v);
}

/** Every non-finite number in `data`, located at its value. */
export function nonFiniteNumbers(data: unknown, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  const visit = (v: unknown, path: PathSegment[]) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      out.push({
        location: locate(path, 'value'),
        path: formatPath(path),
        message: `expected a finite number, found ${yamlNumber(v)}`,
        hint: '.inf, -.inf and .nan are YAML\'s infinities and not-a-number: write a finite number',
      });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, [...path, i]));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) visit(x, [...path, k]);
    }
  };
  visit(data, []);
  return out;
}

/** Drops diagnostics about a place already reported as non-finite (ajv's "expected >= 0"). */
export function withoutNonFinitePlaces(ds: readonly Diagnostic[], nonFinite: readonly Diagnostic[]): Diagnostic[] {
  const places = new Set(nonFinite.map((d) => d.path));
  return ds.filter((d) => !places.has(d.path));
}
