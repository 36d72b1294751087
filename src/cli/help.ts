// Help text is generated from the command table, so it cannot drift from what is parsed.
import type { Command } from './command.js';

export function globalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const rows = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'pipe: declarative experiment pipelines for image classifiers',
    '',
    'Usage: pipe <command> [options]',
    '',
    'Commands:',
    ...rows,
    '',
    'Options:',
    '  -h, --help     help for pipe, or for a command: pipe <command> --help',
    '  -v, --version  print the version',
    '',
    'Exit codes: 0 ok, 1 the job failed, 2 bad input. NO_COLOR turns colour off.',
    '',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  const flags = c.options.map((o) => {
    const value = o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : '';
    // A one-letter name is typed with one dash (util.parseArgs reads `-o` as the option `o`).
    const flag = o.name.length === 1 ? `    -${o.name}` : `${o.short ? `-${o.short}, ` : '    '}--${o.name}`;
    return { left: `  ${flag}${value}`, text: o.description + (o.multiple ? ' (repeatable)' : '') };
  });
  flags.push({ left: '  -h, --help', text: 'show this help' });
  const width = Math.max(...flags.map((f) => f.left.length));
  return [
    `Usage: ${c.usage}`,
    '',
    c.description,
    '',
    'Options:',
    ...flags.map((f) => `${f.left.padEnd(width)}  ${f.text}`),
    '',
  ].join('\n');
}
