// The `pipe` binary: parse argv, dispatch to a command, and print every expected failure in one
// place. A stack trace printed here means a bug in the engine, and says so.
import { parseArgs } from 'node:util';
import { environmentMessage, EXIT_BAD_INPUT, EXIT_JOB_FAILED, InputError, JobError } from '../errors.js';
import type { Command, Io, OptionSpec, ParsedArgs } from './command.js';
import { commands } from './commands/index.js';
import { commandHelp, globalHelp } from './help.js';
import { paint, printDiagnostics } from './output.js';

export function processIo(): Io {
  const isTty = Boolean(process.stdout.isTTY);
  const out = closable(process.stdout);
  const err = closable(process.stderr);
  return {
    out,
    err,
    // NO_COLOR (https://no-color.org): any non-empty value turns colour off.
    color: isTty && !process.env.NO_COLOR,
    isTty,
    cwd: process.cwd(),
    env: process.env,
  };
}

/**
 * Writes to a stream that the reader may close (`pipe run ... | head -1`): the first error of the
 * stream (EPIPE) marks it closed and later writes are dropped, so a run goes on to its end and
 * its results; without a listener, the 'error' event would end the process mid-training.
 */
function closable(stream: NodeJS.WriteStream): (text: string) => void {
  let open = true;
  // EPIPE, or EIO from a terminal that went away: nobody reads any more; the run goes on.
  stream.on('error', () => {
    open = false;
  });
  return (text) => {
    if (open) stream.write(text);
  };
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest.length > 0) return help(rest, io);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(globalHelp(commands));
    return name === undefined ? EXIT_BAD_INPUT : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`pipe ${await packageVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) return unknownCommand(name, io);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    const args = parseCommandArgs(command, rest);
    checkArity(command, args);
    return await command.run(args, { ...io, argv });
  } catch (e) {
    return reportFailure(e, io);
  }
}

function parseCommandArgs(command: Command, argv: readonly string[]) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const o of command.options) options[o.name] = optionConfig(o);
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | string[] | undefined> };
  } catch (e) {
    // util.parseArgs explains unknown options and missing values well; keep its words, add ours.
    throw new InputError([{ message: (e as Error).message.replace(/\. To specify.*$/s, ''), hint: `see 'pipe ${command.name} --help'` }]);
  }
}

/** `pipe help run`: the command's help, as `pipe run --help`. */
function help(topic: readonly string[], io: Io): number {
  const command = commands.find((c) => c.name === topic[0]);
  if (!command) return unknownCommand(topic[0], io);
  if (topic.length > 1) {
    io.err(`pipe help takes one command, got ${topic.length}: ${topic.join(' ')}\n`);
    return EXIT_BAD_INPUT;
  }
  io.out(commandHelp(command));
  return 0;
}

function unknownCommand(name: string, io: Io): number {
  io.err(`pipe: unknown command '${name}'; known commands: ${commands.map((c) => c.name).join(', ')}\n`);
  return EXIT_BAD_INPUT;
}

/** Too many or too few arguments, and options that exclude each other, are refused before a command runs. */
function checkArity(command: Command, args: ParsedArgs): void {
  const { min, max } = command.positionals;
  const n = args.positionals.length;
  const hint = `usage: ${command.usage}`;
  if (n > max) {
    const extra = args.positionals.slice(max).map((a) => `'${a}'`).join(', ');
    throw new InputError([{ message: `pipe ${command.name} takes ${max === 0 ? 'no arguments' : `at most ${max} argument${max === 1 ? '' : 's'}`}; unexpected: ${extra}`, hint }]);
  }
  if (n < min) throw new InputError([{ message: `pipe ${command.name} needs ${min === max ? min : `at least ${min}`} argument${min === 1 ? '' : 's'}, got ${n}`, hint }]);
  for (const [a, b] of command.exclusive ?? []) {
    if (args.values[a] !== undefined && args.values[b] !== undefined) throw new InputError([{ message: `--${a} and --${b} cannot be used together`, hint }]);
  }
}

function optionConfig(o: OptionSpec) {
  return { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
}

function reportFailure(e: unknown, io: Io): number {
  if (e instanceof InputError) {
    printDiagnostics(io, e.diagnostics);
    return EXIT_BAD_INPUT;
  }
  if (e instanceof JobError) {
    io.err(`${paint(io, 'failed', 31)} ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`);
    return EXIT_JOB_FAILED;
  }
  const environment = environmentMessage(e);
  if (environment !== null) {
    io.err(`${paint(io, 'failed', 31)} ${environment}\n`);
    return EXIT_JOB_FAILED;
  }
  io.err(`pipe: internal error (a bug in pipe, please report it with this trace):\n${(e as Error)?.stack ?? String(e)}\n`);
  return EXIT_JOB_FAILED;
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
