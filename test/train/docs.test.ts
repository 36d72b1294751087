// docs/training.md: names every optimiser and schedule, and its `pipe schedule` example prints
// what the binary prints.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optimizers } from '../../src/train/optimizers/registry.js';
import { schedules } from '../../src/train/schedules/registry.js';
import { runPipe } from '../helpers/cli.js';

const doc = readFileSync(new URL('../../docs/training.md', import.meta.url), 'utf8');

/** Splits a command line as a shell would, for the single-quoted arguments the doc uses. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

describe('docs/training.md', () => {
  it('describes every optimiser and schedule', () => {
    const missing = [...optimizers, ...schedules].map((e) => e.name).filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  const examples = [...doc.matchAll(/```console\n\$ (pipe [^\n]*)\n([\s\S]*?)```/g)];

  it('has a pipe schedule example', () => {
    expect(examples.map((m) => m[1].split(' ')[1])).toContain('schedule');
  });

  it.each(examples.map((m) => [m[1], m[2]]))('%s prints what the doc shows', (command, output) => {
    const r = runPipe(shellWords(command).slice(1));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(output);
  });
});
