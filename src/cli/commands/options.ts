// Options several commands share, defined once so their help reads the same everywhere.
import { BACKEND_KINDS } from '../../backend/kinds.js';
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
