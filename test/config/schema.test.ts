import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedSchemaText } from '../../src/cli/schema.js';

const committed = readFileSync(new URL('../../schemas/pipeline.schema.json', import.meta.url), 'utf8');
type Schema = Record<string, unknown>;

describe('schemas/pipeline.schema.json', () => {
  it('is what the registries generate (run `npm run schema` after changing an op)', () => {
    expect(committed).toBe(generatedSchemaText());
  });

  it('documents every property: a description, and a default where one applies', () => {
    const schema = JSON.parse(committed) as Schema;
    const defs = schema.$defs as Record<string, Schema>;
    const missing: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (!node || typeof node !== 'object') return;
      const s = node as Schema;
      for (const [name, prop] of Object.entries((s.properties as Record<string, Schema>) ?? {})) {
        const target = typeof prop.$ref === 'string' ? defs[(prop.$ref as string).replace('#/$defs/', '')] : prop;
        if (typeof prop.description !== 'string' && typeof target?.description !== 'string') missing.push(`${where}.${name}`);
      }
      for (const [k, v] of Object.entries(s)) if (k !== 'default' && k !== 'enum' && k !== 'const') visit(v, `${where}/${k}`);
    };
    visit(schema, '#');
    expect(missing).toEqual([]);
  });
});
