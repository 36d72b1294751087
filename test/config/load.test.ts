import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { CORE_SCHEMA } from 'js-yaml';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/config/load.js';
import { REPO } from '../helpers/cli.js';

const dirs = ['pipelines', 'test/fixtures/bad', 'test/fixtures/bad/bases'];
// The alias bombs expand to a billion values: comparing them value by value would take hours; the
// tests below check that they are refused, at once.
const files = dirs.flatMap((d) => readdirSync(join(REPO, d)).filter((f) => f.endsWith('.yaml') && !f.includes('alias-bomb')).map((f) => join(d, f)));

describe('the two YAML parsers read the same values', () => {
  it.each(files)('%s', (file) => {
    const text = readFileSync(join(REPO, file), 'utf8');
    let slow: unknown;
    try {
      // As load.ts reads it: aliases unbounded here, bounded for both parsers by document-limits.ts.
      slow = parse(text, { uniqueKeys: true, strict: true, maxAliasCount: -1 });
    } catch {
      return expect(() => load(text, { schema: CORE_SCHEMA })).toThrow(); // both reject it
    }
    expect(load(text, { schema: CORE_SCHEMA })).toEqual(slow);
  });

  it('locates paths on demand, at keys and at values', () => {
    const f = parseYamlText('a:\n  b: [1, 2]\n  c:\n    - x: 1\n', 'f.yaml');
    expect(f.value).toEqual({ a: { b: [1, 2], c: [{ x: 1 }] } });
    expect(f.location('a.b')).toEqual({ file: 'f.yaml', line: 2, col: 3 });
    expect(f.location('a.b\u0000value')).toEqual({ file: 'f.yaml', line: 2, col: 6 });
    expect(f.location('a.b[1]')).toEqual({ file: 'f.yaml', line: 2, col: 10 });
    expect(f.location('a.c[0].x')).toEqual({ file: 'f.yaml', line: 4, col: 7 });
  });

  it.each([
    ['a billion laughs', `${Array.from({ length: 9 }, (_, i) => `x${i}: &x${i} [${i ? Array(10).fill(`*x${i - 1}`).join(', ') : 'lol'}]`).join('\n')}\n`, /f\.yaml:1:1: its aliases expand to [\d,]{11} values, over the limit of 100,000/],
    ['101 aliases', `b: &b {op: relu}\nmore: [${Array(101).fill('*b').join(', ')}]\n`, /f\.yaml:2:\d+: more\[100\]: more than 100 aliases/],
    ['a __proto__ key', 'name: x\n__proto__: {a: 1}\n', /f\.yaml:2:1: __proto__: '__proto__' is a reserved name/],
  ])('refuses %s, located, at once', (_, text, message) => {
    const start = performance.now();
    expect(() => parseYamlText(text, 'f.yaml')).toThrow(message);
    expect(performance.now() - start).toBeLessThan(5_000); // it took 90 s to reach validation before
  });

  it('reports every syntax error, located, when the fast parser rejects the text', () => {
    expect(() => parseYamlText('a: 1\na: 2\nb: [1\n', 'f.yaml')).toThrow(/f\.yaml:2:1: duplicate key/);
  });
});
