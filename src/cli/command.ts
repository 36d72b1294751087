// The contract every `pipe <command>` fulfils. Commands compose phases; they hold no logic of
// their own beyond reading options and printing.

/** One option as `--help` documents it and util.parseArgs parses it. */
export interface OptionSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `PATH=VALUE`. */
  readonly value?: string;
  readonly description: string;
}

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly color: boolean;
  readonly isTty: boolean;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** The command line after `pipe`, as given (main sets it; a run records it, redacted). */
  readonly argv?: readonly string[];
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** e.g. `pipe validate FILE...` */
  readonly usage: string;
  /** A paragraph or two for `pipe <command> --help`. */
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /** How many positional arguments it takes (max: Infinity for FILE...); others are refused before run. */
  readonly positionals: { readonly min: number; readonly max: number };
  /** Options that cannot be given together (each pair refused before run). */
  readonly exclusive?: readonly (readonly [string, string])[];
  /** Returns the exit code. Throws InputError / JobError for expected failures. */
  run(args: ParsedArgs, io: Io): Promise<number>;
}
