// `pipe runs`: the runs under outputs/runs, newest first (src/runs).
import { resolve } from 'node:path';
import { listRuns } from '../../runs/index.js';
import type { Command } from '../command.js';
import { runsTable } from '../runs-table.js';
import { wholeNumber } from './options.js';

export const runs: Command = {
  name: 'runs',
  summary: 'list the runs: pipeline, start, status and each stage\'s best metric',
  usage: 'pipe runs [--outputs DIR] [--pipeline NAME] [--limit N] [--json]',
  positionals: { min: 0, max: 0 },
  description:
    'One row per run folder under outputs/runs, newest first, as `dvc exp show` lists experiments: the folder, its pipeline, when it started, its status and a column per stage with the stage\'s best metric (val top-1 for a classifier with validation data, else val loss, e.g. an autoencoder; `(2/30)` while epochs are missing). The status is running, done, failed, stopped (Ctrl-C, SIGTERM, or killed: a run left running whose process is gone on this machine) or unreadable (a damaged or foreign folder); why a run failed, stopped or is unreadable is said below the table. --json prints the list with every field, provenance included (docs/training.md, "Run folders").',
  options: [
    { name: 'outputs', type: 'string', value: 'DIR', description: 'the outputs folder (default: outputs)' },
    { name: 'pipeline', type: 'string', value: 'NAME', description: 'only the runs of this pipeline' },
    { name: 'limit', type: 'string', value: 'N', description: 'only the N newest runs' },
    { name: 'json', type: 'boolean', description: 'print JSON: the runs as src/runs/types.ts RunListing' },
  ],
  async run(args, io) {
    const limit = wholeNumber(args.values.limit, '--limit', 1);
    const outputs = resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs');
    const pipeline = args.values.pipeline as string | undefined;
    const found = listRuns(outputs, { warn: (m) => io.err(`warning: ${m}\n`) }).filter((r) => pipeline === undefined || r.pipeline === pipeline);
    const shown = limit === undefined ? found : found.slice(0, limit);
    if (args.values.json) io.out(JSON.stringify(shown, null, 2) + '\n');
    else if (shown.length === 0) io.out(`no runs${pipeline === undefined ? '' : ` of ${pipeline}`} in ${resolve(outputs, 'runs')}\n`);
    else io.out(runsTable(shown));
    return 0;
  },
};
