import { resolve } from 'node:path';
import { initBackend } from '../../backend/index.js';
import { EXIT_JOB_FAILED, InputError } from '../../errors.js';
import type { Command } from '../command.js';
import { loadPipeline } from '../load-pipeline.js';
import { runReporter } from '../run-reporter.js';
import { backendOption, setOption, sets } from './options.js';

export const run: Command = {
  name: 'run',
  summary: 'train and evaluate the stages of a pipeline',
  usage: 'pipe run PIPELINE [--stage S]... [--set PATH=VALUE]... [--backend NAME] [--workers N] [--resume RUN_DIR] [--quiet | --json]',
  description:
    'Validates the pipeline, compiles its models and runs its stages in the order their needs allow: per epoch one line of loss, train and val accuracy, lr, images/s and ETA. Results go to outputs/runs/<pipeline>-<time>/: the resolved pipeline, metrics.jsonl, each stage\'s model in tfjs format, and summary.md (stage, model, epochs, parameters, best val top-1).\nEach stage writes a checkpoint at every epoch end; Ctrl-C stops after the current step and writes one there, and --resume continues from it with the same results as an uninterrupted run. Exit 0 done, 1 the job failed (e.g. the loss diverged), 2 bad input.',
  options: [
    { name: 'stage', type: 'string', multiple: true, value: 'S', description: 'run only this stage and the stages it needs' },
    setOption,
    backendOption,
    { name: 'workers', type: 'string', value: 'N', description: 'data loader threads (default: cores - 1; 0: load on the training thread)' },
    { name: 'outputs', type: 'string', value: 'DIR', description: 'where runs and caches go (default: outputs)' },
    { name: 'resume', type: 'string', value: 'RUN_DIR', description: 'continue a stopped run in its folder: finished stages are kept, the stopped one resumes from its checkpoint (the pipeline must be the same)' },
    { name: 'quiet', type: 'boolean', description: 'print only the summary' },
    { name: 'json', type: 'boolean', description: 'print JSON lines: one event per line' },
  ],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new InputError([{ message: `expected one pipeline file, got ${args.positionals.length}`, hint: 'pipe run PIPELINE' }]);
    const { pipeline, plan } = await loadPipeline(args.positionals[0], io.cwd, sets(args));
    const stages = (args.values.stage as string[] | undefined) ?? [];
    const known = Object.keys(pipeline.stages);
    const unknown = stages.filter((s) => !known.includes(s));
    if (unknown.length) throw new InputError(unknown.map((s) => ({ message: `unknown stage '${s}'`, hint: `stages: ${known.join(', ')}` })));
    const workers = args.values.workers === undefined ? undefined : Number(args.values.workers);
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw new InputError([{ message: `--workers expects a whole number >= 0, found '${String(args.values.workers)}'` }]);
    const backend = await initBackend({ backend: args.values.backend as string | undefined, env: io.env });
    const { runPipeline } = await import('../../train/run.js');
    const { defaultLoaderWorkers } = await import('../../data/loader.js');
    let stop = false;
    const onSigint = () => {
      if (stop) process.exit(130);
      stop = true;
      io.err('stopping after the current step (Ctrl-C again to quit at once)\n');
    };
    process.on('SIGINT', onSigint);
    const { stagesToRun } = await import('../../train/run.js');
    const reporter = runReporter(io, { quiet: Boolean(args.values.quiet), json: Boolean(args.values.json), stages: stagesToRun(pipeline, stages) });
    try {
      reporter.start(pipeline.name, backend.kind);
      const result = await runPipeline(pipeline, plan, {
        tf: backend.tf,
        backend: { kind: backend.kind, versions: backend.versions, details: backend.details },
        outputs: resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs'),
        stages,
        workers: workers ?? defaultLoaderWorkers(),
        events: reporter.events,
        shouldStop: () => stop,
        ...(args.values.resume ? { resume: resolve(io.cwd, args.values.resume as string) } : {}),
      });
      await reporter.finish(result);
      return result.interrupted ? EXIT_JOB_FAILED : 0;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
