// Options several commands share, defined once so their help reads the same everywhere.
import { BACKEND_KINDS } from '../../backend/kinds.js';
import { InputError } from '../../errors.js';
import type { OptionSpec, ParsedArgs } from '../command.js';

export const setOption: OptionSpec = {
  name: 'set',
  type: 'string',
  multiple: true,
  value: 'PATH=VALUE',
  description: 'override a value, typed by the schema, e.g. --set stages.finetune.optimizer.lr=3e-4',
};

export function sets(args: ParsedArgs): string[] {
  const v = args.values.set;
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export const backendOption: OptionSpec = {
  name: 'backend',
  type: 'string',
  value: 'NAME',
  description: `use this backend (${BACKEND_KINDS.join(', ')}; default: the first available in that order); PIPE_BACKEND does the same`,
};

/** An option's whole number (undefined when not given); below `min` is bad input. */
export function wholeNumber(value: unknown, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= min)) throw new InputError([{ message: `${flag} expects a whole number >= ${min}, found '${String(value)}'` }]);
  return n;
}

export const remoteOption: OptionSpec = {
  name: 'remote',
  type: 'string',
  value: 'URL',
  description: 'a shared store: file:///path (a folder, e.g. a shared mount) or s3://bucket/prefix (?endpoint=http://host:port for an S3-compatible server, or PIPE_S3_ENDPOINT; credentials from the AWS SDK\'s usual chain); PIPE_REMOTE does the same (docs/cache.md#remotes)',
};
