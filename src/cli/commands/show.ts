import { stringify } from 'yaml';
import { resolvePipeline } from '../../config/resolve.js';
import { InputError } from '../../errors.js';
import type { Command } from '../command.js';
import { setOption, sets } from './options.js';

export const show: Command = {
  name: 'show',
  summary: 'print the fully resolved pipeline (extends merged, overrides applied, defaults filled)',
  usage: 'pipe show FILE [--set PATH=VALUE]... [--json]',
  description: 'Prints the pipeline exactly as the engine will run it: every default filled in, extends merged, --set applied, paths made absolute.',
  options: [setOption, { name: 'json', type: 'boolean', description: 'print JSON instead of YAML' }],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new InputError([{ message: `expected one pipeline file, got ${args.positionals.length}`, hint: 'pipe show FILE' }]);
    const { pipeline } = await resolvePipeline(args.positionals[0], { cwd: io.cwd, sets: sets(args) });
    io.out(args.values.json ? JSON.stringify(pipeline, null, 2) + '\n' : stringify(pipeline, { lineWidth: 0 }));
    return 0;
  },
};
