import { didYouMean } from '../../config/suggest.js';
import { InputError } from '../../errors.js';
import type { Command } from '../command.js';
import { loadPipeline } from '../load-pipeline.js';
import { modelTable } from '../model-table.js';
import { setOption, sets } from './options.js';

export const show: Command = {
  name: 'show',
  summary: 'print the resolved pipeline, or a model as a table of shapes, parameters and MACs',
  usage: 'pipe show FILE [--set PATH=VALUE]... [--model NAME]... [--json]',
  positionals: { min: 1, max: 1 },
  description:
    'Prints the pipeline exactly as the engine will run it: every default filled in, extends merged, --set applied, paths made absolute.\nWith --model, prints that model instead: per node its op, output shape, trainable parameters and multiply-accumulates, with totals counted as PyTorch counts them (weights, biases, BatchNorm gamma and beta; not running statistics). Every model is checked (shapes, wiring) first.',
  options: [
    setOption,
    { name: 'model', type: 'string', multiple: true, value: 'NAME', description: 'print this model as a table (or as JSON with --json)' },
    { name: 'json', type: 'boolean', description: 'print JSON instead of YAML or tables' },
  ],
  async run(args, io) {
    const { pipeline, plan } = await loadPipeline(args.positionals[0], io.cwd, sets(args));
    const wanted = (args.values.model as string[] | undefined) ?? [];
    if (wanted.length === 0) {
      // `yaml` loads only here: importing it costs other commands a tenth of their start-up.
      io.out(args.values.json ? JSON.stringify(pipeline, null, 2) + '\n' : (await import('yaml')).stringify(pipeline, { lineWidth: 0 }));
      return 0;
    }
    const known = Object.keys(pipeline.models);
    const unknown = wanted.filter((m) => !known.includes(m));
    if (unknown.length) throw new InputError(unknown.map((m) => ({ message: `unknown model '${m}'${didYouMean(m, known)}`, hint: `models: ${known.join(', ')}` })));
    if (args.values.json) {
      io.out(JSON.stringify(Object.fromEntries(wanted.map((m) => [m, { ...plan.models[m], nodes: plan.models[m].parts.flatMap((part) => plan.nodes[part].map((n) => ({ model: part, name: n.name, op: n.op, shape: n.shape, trainable: n.trainable, macs: n.macs }))) }])), null, 2) + '\n');
    } else {
      io.out(wanted.map((m) => modelTable(plan, m)).join('\n'));
    }
    return 0;
  },
};
