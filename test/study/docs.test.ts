// docs/studies.md: its example studies load and make the trials and messages it shows, and its
// table names every field of the study schema.
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, InputError } from '../../src/errors.js';
import { loadStudy } from '../../src/study/load.js';
import { studySchema } from '../../src/study/schema.js';
import { REPO } from '../helpers/cli.js';

const doc = readFileSync(join(REPO, 'docs/studies.md'), 'utf8');
const blocks = [...doc.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
const studies = blocks.filter((b) => b.lang === 'yaml' && /^name: /m.test(b.text)).map((b) => b.text);

/** Loads `text` as studies/x.yaml beside the repository's pipelines/. */
async function loadAsStudy(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-study-docs-'));
  mkdirSync(join(dir, 'studies'));
  symlinkSync(join(REPO, 'pipelines'), join(dir, 'pipelines'));
  writeFileSync(join(dir, 'studies/x.yaml'), text);
  return loadStudy('studies/x.yaml', { cwd: dir });
}

describe('docs/studies.md', () => {
  it('its first example makes the trials it names', async () => {
    const { study } = await loadAsStudy(studies[0]);
    const names = study.trials.map((t) => t.name);
    expect(names).toHaveLength(6);
    for (const n of [names[0], names[5]]) expect(doc).toContain(`\`${n}\``);
  });

  it('its error example prints exactly the lines shown', async () => {
    const shown = blocks.find((b) => b.lang === '' && b.text.startsWith('error: '))!.text.trimEnd().split('\n');
    const e = await loadAsStudy(studies[1]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).diagnostics.map((d) => `error: ${formatDiagnostic(d)}`)).toEqual(shown);
  });

  it('its table has every field of the schema', () => {
    for (const field of Object.keys(studySchema().properties as object)) expect(doc).toContain(`| \`${field}\` |`);
  });
});
