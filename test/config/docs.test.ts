import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { limitsMarkdown } from '../../src/cli/limits-doc.js';
import { generatedSchema } from '../../src/cli/schema.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { referenceMarkdown } from '../../src/config/schema/reference.js';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('docs', () => {
  it('docs/reference.md is generated from the schema (run `npm run schema`)', () => {
    expect(read('docs/reference.md')).toBe(`${referenceMarkdown(generatedSchema())}\n${limitsMarkdown()}`);
  });

  const guide = read('docs/pipeline-language.md');
  const completeIn = (text: string) => [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((y) => /^name: /m.test(y) && /^stages:/m.test(y));
  const complete = [...completeIn(guide), ...completeIn(read('README.md'))];

  it('the guide and the README have complete examples', () => {
    expect(complete.length).toBeGreaterThanOrEqual(2);
  });

  it.each(complete.map((y, i) => [i, y]))('example %i validates', async (_i, yaml) => {
    // Beside copies of pipelines/, so an example that extends a seed pipeline finds it.
    const dir = mkdtempSync(join(tmpdir(), 'pipe-guide-'));
    cpSync(new URL('../../pipelines', import.meta.url), dir, { recursive: true });
    writeFileSync(join(dir, 'p.yaml'), yaml as string);
    await expect(resolvePipeline('p.yaml', { cwd: dir })).resolves.toBeDefined();
  });

  it('the guide mentions every op, optimiser and schedule', () => {
    const defs = generatedSchema().$defs as Record<string, unknown>;
    const names = Object.keys(defs).filter((n) => /^(op|augment|optimizer|schedule)_/.test(n)).map((n) => n.replace(/^[a-z]+_/, ''));
    const missing = names.filter((n) => !guide.includes(n));
    expect(missing).toEqual([]);
  });
});
