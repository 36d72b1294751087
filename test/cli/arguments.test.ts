// Every command, from the registry: its help is what `pipe help NAME` prints, one-letter options
// are shown as typed (-o), extra arguments and excluded option pairs are refused with exit 2
// before the command runs (so a new command is covered by being registered).
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { commandHelp } from '../../src/cli/help.js';
import { runPipe } from '../helpers/cli.js';

const names = commands.map((c) => [c.name, c] as const);

describe('every command', () => {
  it.each(names)('%s: pipe help NAME prints pipe NAME --help', (name) => {
    const a = runPipe(['help', name]);
    const b = runPipe([name, '--help']);
    expect(a).toEqual({ code: 0, stdout: b.stdout, stderr: '' });
    expect(a.stdout.startsWith(`Usage: pipe ${name}`)).toBe(true);
  });

  it.each(names)('%s: its help shows every option as it is typed', (_, c) => {
    const help = commandHelp(c);
    for (const o of c.options) expect(help).toContain(o.name.length === 1 ? `-${o.name} ` : `--${o.name}`);
    expect(help).not.toMatch(/--\w(?![\w-])/);
  });

  it.each(names.filter(([, c]) => c.positionals.max !== Infinity))('%s: refuses an argument past the ones it takes', (name, c) => {
    const args = [...Array.from({ length: c.positionals.max }, (_, i) => (name === 'cache' ? 'ls' : `a${i}.yaml`)), 'extra-arg'];
    const r = runPipe([name, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`pipe ${name} takes ${c.positionals.max === 0 ? 'no arguments' : `at most ${c.positionals.max} argument`}`);
    expect(r.stderr).toContain("unexpected: 'extra-arg'");
    expect(r.stderr).toContain(`(usage: ${c.usage})`);
  });

  it.each(names.filter(([, c]) => c.positionals.min > 0))('%s: refuses too few arguments', (name, c) => {
    const r = runPipe([name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`pipe ${name} needs ${c.positionals.min === c.positionals.max ? c.positionals.min : `at least ${c.positionals.min}`} argument`);
  });

  it.each(names.flatMap(([name, c]) => (c.exclusive ?? []).map(([a, b]) => [name, a, b] as const)))('%s: --%s and --%s together are refused', (name, a, b) => {
    const r = runPipe([name, 'pipelines/demo.yaml', `--${a}`, `--${b}`]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: expect.stringContaining(`error: --${a} and --${b} cannot be used together`) });
  });

  it('has run --quiet and --json as such a pair', () => {
    expect(commands.find((c) => c.name === 'run')?.exclusive).toContainEqual(['quiet', 'json']);
  });

  it('pipe help refuses an unknown command and a second one', () => {
    expect(runPipe(['help', 'nope'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'nope'") });
    expect(runPipe(['help', 'run', 'show'])).toMatchObject({ code: 2, stderr: 'pipe help takes one command, got 2: run show\n' });
  });

  it('pipe cache ls and gc refuse arguments; rm takes keys', () => {
    expect(runPipe(['cache', 'gc', 'x'])).toMatchObject({ code: 2, stderr: expect.stringContaining("pipe cache gc takes no further arguments; unexpected: 'x'") });
  });
});
