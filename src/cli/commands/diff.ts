import { resolve } from 'node:path';
import { expectedBackend } from '../../backend/index.js';
import { BACKEND_KINDS } from '../../backend/kinds.js';
import type { Command } from '../command.js';
import { loadPipeline } from '../load-pipeline.js';
import { setOption, sets, wholeNumber } from './options.js';

export const diff: Command = {
  name: 'diff',
  summary: 'what changed between two pipelines, and what it did to their results',
  usage: 'pipe diff A.yaml B.yaml [--set PATH=VALUE]... [--backend NAME] [--workers N] [--outputs DIR] [--json]',
  positionals: { min: 2, max: 2 },
  description:
    'Compares two pipelines as the engine runs them (extends merged, --set applied to both, defaults filled), in four parts: (a) the configuration rows that differ, graph nodes paired by name; (b) per model, the nodes added, removed or changed, the output shapes that changed, and parameters and MACs A -> B; (c) per stage, whether its content key is the same (the stored result is reused) or it reruns, and the key fields that cause it; (d) where the stage store holds results of both, the final and best metrics A -> B and the classes whose accuracy moved most.\nExit 0 when the pipelines compute the same things (every stage has the same key), 1 when they differ, 2 on bad input.',
  options: [
    setOption,
    { name: 'backend', type: 'string', value: 'NAME', description: `the backend whose keys are shown (${BACKEND_KINDS.join(', ')}; default: the one pipe run would use); results made on any backend, with any number of workers, are found` },
    { name: 'workers', type: 'string', value: 'N', description: 'the training workers whose keys are shown, as given to pipe run (default: as pipe run: each pipeline\'s workers, else one per core)' },
    { name: 'outputs', type: 'string', value: 'DIR', description: 'where the stage store is (default: outputs)' },
    { name: 'json', type: 'boolean', description: 'print JSON' },
  ],
  async run(args, io) {
    // Keys as pipe run would make them (its backend and each pipeline's workers), found without tfjs.
    const backend = await expectedBackend({ backend: args.values.backend as string | undefined, env: io.env });
    const workers = wholeNumber(args.values.workers, '--workers', 1);
    const [fa, fb] = args.positionals;
    const a = { file: fa, ...(await loadPipeline(fa, io.cwd, sets(args))) };
    const b = { file: fb, ...(await loadPipeline(fb, io.cwd, sets(args))) };
    const { StageStore } = await import('../../cache/store.js');
    const { diffPipelines } = await import('../../diff/pipeline-diff.js');
    const store = StageStore.at(resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs'), (m) => io.err(`warning: ${m}\n`));
    const { chooseTrainWorkers } = await import('../../train/parallel/workers.js');
    const d = await diffPipelines(a, b, store, (side) => ({ backend, workers: chooseTrainWorkers(workers, side.pipeline.workers, backend).workers }));
    if (args.values.json) io.out(JSON.stringify(d, null, 2) + '\n');
    else io.out((await import('../../diff/print.js')).printDiff(d));
    return d.same ? 0 : 1;
  },
};
