import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { studySchemaText } from '../../src/study/schema.js';

const committed = readFileSync(new URL('../../schemas/study.schema.json', import.meta.url), 'utf8');
type Schema = Record<string, unknown>;

describe('schemas/study.schema.json', () => {
  it('is what src/study/schema.ts generates (run `npm run schema` after changing it)', () => {
    expect(committed).toBe(studySchemaText());
  });

  it('documents every property: a description, and its default where one applies', () => {
    const schema = JSON.parse(committed) as Schema;
    const defs = schema.$defs as Record<string, Schema>;
    const missing: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (!node || typeof node !== 'object') return;
      const s = node as Schema;
      for (const [name, prop] of Object.entries((s.properties as Record<string, Schema>) ?? {})) {
        const target = typeof prop.$ref === 'string' ? defs[(prop.$ref as string).replace('#/$defs/', '')] : prop;
        const description = (prop.description ?? target?.description) as string | undefined;
        if (typeof description !== 'string') missing.push(`${where}.${name}`);
        // A field that may be left out says what that means: a schema default or "Default: ..." in
        // words (a distribution's fields are alternatives: exactly one is given).
        const optional = !((s.required as string[] | undefined) ?? []).includes(name) && !where.endsWith('/distribution');
        if (optional && prop.default === undefined && !/Default/.test(description ?? '')) missing.push(`${where}.${name} (default)`);
      }
      for (const [k, v] of Object.entries(s)) if (k !== 'default' && k !== 'enum' && k !== 'const') visit(v, `${where}/${k}`);
    };
    visit(schema, '#');
    expect(missing).toEqual([]);
  });
});
