// Augmentation runs in worker threads that load neither tfjs nor sharp: nothing reachable from
// the chain runner or the registry may import them.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src/data/augment');

/** Every module specifier imported, transitively, from `entry` within src/. */
function importsFrom(entry: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(entry)) return seen;
  const text = readFileSync(entry, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  seen.set(entry, specifiers);
  for (const s of specifiers) if (s.startsWith('.')) importsFrom(resolve(dirname(entry), s.replace(/\.js$/, '.ts')), seen);
  return seen;
}

describe('augmentation imports', () => {
  it('never reach tfjs or sharp', () => {
    const graph = new Map([...importsFrom(resolve(root, 'chain.ts')), ...importsFrom(resolve(root, 'registry.ts'))]);
    expect(graph.size).toBeGreaterThan(25);
    const heavy = [...graph].flatMap(([file, specs]) => specs.filter((s) => /tensorflow|tfjs|sharp/.test(s)).map((s) => `${file}: ${s}`));
    expect(heavy).toEqual([]);
  });
});
