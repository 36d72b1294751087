import { EXIT_BAD_INPUT, InputError, type Diagnostic } from '../../errors.js';
import type { Command } from '../command.js';
import { printDiagnostics } from '../output.js';
import { loadPipeline } from '../load-pipeline.js';
import { setOption, sets } from './options.js';

export const validate: Command = {
  name: 'validate',
  summary: 'check pipeline files against the language and report every error, located',
  usage: 'pipe validate FILE... [--set PATH=VALUE]... [--json]',
  positionals: { min: 1, max: Infinity },
  description:
    'Reads each pipeline (following extends), applies the overrides, checks it against schemas/pipeline.schema.json checks every reference (models, blocks, chains, stages, needs), and checks the graph of every model: wiring, shapes, kernel sizes.\nPrints "ok FILE" for each valid file; otherwise every error found, as file:line:col: path: message. Exit 0 if all are valid, 2 if any is not.',
  options: [setOption, { name: 'json', type: 'boolean', description: 'print one JSON object: {files: [{file, ok, errors: [...]}]}' }],
  async run(args, io) {
    const results: { file: string; ok: boolean; errors: readonly Diagnostic[] }[] = [];
    for (const file of args.positionals) {
      try {
        await loadPipeline(file, io.cwd, sets(args));
        results.push({ file, ok: true, errors: [] });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        results.push({ file, ok: false, errors: e.diagnostics });
      }
    }
    if (args.values.json) {
      io.out(JSON.stringify({ files: results.map((r) => ({ ...r, errors: r.errors.map(flatDiagnostic) })) }, null, 2) + '\n');
    } else {
      for (const r of results) {
        if (r.ok) io.out(`ok ${r.file}\n`);
        else printDiagnostics(io, r.errors);
      }
    }
    return results.every((r) => r.ok) ? 0 : EXIT_BAD_INPUT;
  },
};

function flatDiagnostic(d: Diagnostic) {
  return { file: d.location?.file ?? null, line: d.location?.line ?? null, col: d.location?.col ?? null, path: d.path ?? null, message: d.message, hint: d.hint ?? null };
}
