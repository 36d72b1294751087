import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { CORE_SCHEMA } from 'js-yaml';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/config/load.js';
import { REPO } from '../helpers/cli.js';

const dirs = ['pipelines', 'test/fixtures/bad', 'test/fixtures/bad/bases'];
const files = dirs.flatMap((d) => readdirSync(join(REPO, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(d, f)));

describe('the two YAML parsers read the same values', () => {
  it.each(files)('%s', (file) => {
    const text = readFileSync(join(REPO, file), 'utf8');
    let slow: unknown;
    try {
      slow = parse(text, { uniqueKeys: true, strict: true });
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

  it('reports every syntax error, located, when the fast parser rejects the text', () => {
    expect(() => parseYamlText('a: 1\na: 2\nb: [1\n', 'f.yaml')).toThrow(/f\.yaml:2:1: duplicate key/);
  });
});
