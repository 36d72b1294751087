// vega and vega-lite (about 12 MB of modules) load only when a report draws its charts: the
// commands that start often, and pipe diff, never import them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipe } from '../helpers/cli.js';

const hook = join(mkdtempSync(join(tmpdir(), 'pipe-forbid-vega-')), 'forbid-vega.mjs');
writeFileSync(hook, `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  if (specifier === 'vega' || specifier === 'vega-lite') throw new Error('forbidden import: ' + specifier);
  return next(specifier, context);
}\`));
`);
const env = { NODE_OPTIONS: `--import ${hook}` };

describe('vega loads lazily', () => {
  it('the guard works', () => {
    const r = runPipe(['report', '--help'], { env: { NODE_OPTIONS: `--import ${hook} --import vega` } });
    expect(r.stderr).toContain('forbidden import: vega');
  });

  it.each([
    [['--help'], 0],
    [['validate', 'pipelines/task2-ae.yaml', 'pipelines/task2-ae-variant.yaml'], 0],
    [['show', 'pipelines/task2-ae-variant.yaml', '--model', 'head'], 0],
    [['diff', 'pipelines/task2-ae.yaml', 'pipelines/task2-ae-variant.yaml'], 1],
  ])('pipe %j does not import vega', (args, code) => {
    const r = runPipe(args as string[], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(code);
  });
});
