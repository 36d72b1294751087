// Every bad pipeline in test/fixtures/bad gives exactly its expected message and exit code 2.
// To re-record after a deliberate wording change: UPDATE_GOLDENS=1 npx vitest run test/config/bad-corpus
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runPipe } from '../helpers/cli.js';

const DIR = 'test/fixtures/bad';
const cases = readdirSync(join(REPO, DIR)).filter((f) => f.endsWith('.yaml')).sort();

describe('bad pipeline corpus', () => {
  it('has at least 40 cases, each with its expected message', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    if (!process.env.UPDATE_GOLDENS) for (const c of cases) expect(existsSync(join(REPO, DIR, c.replace(/\.yaml$/, '.err'))), c).toBe(true);
  });

  it.each(cases)('%s', (file) => {
    const r = runPipe(['validate', join(DIR, file)]);
    const expectedPath = join(REPO, DIR, file.replace(/\.yaml$/, '.err'));
    if (process.env.UPDATE_GOLDENS) writeFileSync(expectedPath, r.stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(readFileSync(expectedPath, 'utf8'));
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    // Every line but the count names the file (or a base it extends) with line and column.
    for (const line of r.stderr.trimEnd().split('\n').filter((l) => !/^\d+ errors$/.test(l))) {
      expect(line).toMatch(/^error: test\/fixtures\/bad\/[\w/.-]+\.yaml:\d+:\d+: /);
    }
  });
});
