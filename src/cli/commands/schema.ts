import type { Command } from '../command.js';
import { pipelineJsonSchema } from '../../config/validate.js';

export const schema: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of the pipeline language',
  usage: 'pipe schema',
  positionals: { min: 0, max: 0 },
  description: 'Prints schemas/pipeline.schema.json: every section, op and option, with its description, default and unit.',
  options: [],
  async run(_args, io) {
    io.out(JSON.stringify(pipelineJsonSchema(), null, 2) + '\n');
    return 0;
  },
};
