import { resolve } from 'node:path';
import { expectedBackend, initBackend, trustedWithoutStart, type BackendInfo } from '../../backend/index.js';
import { StageStore } from '../../cache/store.js';
import { EXIT_JOB_FAILED, InputError, JobError } from '../../errors.js';
import type { Command, Io, ParsedArgs } from '../command.js';
import { loadPipeline } from '../load-pipeline.js';
import { epochLine, runReporter } from '../run-reporter.js';
import { chooseTrainWorkers } from '../../train/parallel/workers.js';
import { RunLog } from '../../train/run-log.js';
import { failureReason } from '../../train/run-status.js';
import { openStageRemote, remoteSpecFrom } from '../../remote/index.js';
import { backendOption, remoteOption, setOption, sets, wholeNumber } from './options.js';

export const run: Command = {
  name: 'run',
  summary: 'train and evaluate the stages of a pipeline',
  usage: 'pipe run PIPELINE [--stage S]... [--set PATH=VALUE]... [--backend NAME] [--workers N] [--loader-workers N] [--resume RUN_DIR [--warm-start]] [--wait] [--remote URL] [--quiet | --json]',
  positionals: { min: 1, max: 1 },
  exclusive: [['quiet', 'json']],
  description:
    'Validates the pipeline, compiles its models and runs its stages in the order their needs allow: per epoch one line of loss, train and val accuracy, lr, images/s and ETA. Results go to outputs/runs/<pipeline>-<time>/: the resolved pipeline, run.json (status, and provenance: the command line with secrets redacted, pipe\'s version, the git commit, the machine and package versions), run.log (what the run printed), metrics.jsonl, each stage\'s model in tfjs format, and summary.md (stage, model, epochs, parameters, best val top-1).\nEvery stage has a content key (its resolved definition, the keys of the stages it needs, the data\'s fingerprint, the backend); its results are kept under outputs/cache/stages/<key>/ and reused by any later run whose stage has the same key, so only changed stages (and what needs them) train again. A stage checkpoints at every epoch end and every checkpoint_every minutes; Ctrl-C stops after the current step and writes one there; running the pipeline again continues from it with the same results as an uninterrupted run. Exit 0 done, 1 the job failed (e.g. the loss diverged), 2 bad input.',
  options: [
    { name: 'stage', type: 'string', multiple: true, value: 'S', description: 'run only this stage and the stages it needs' },
    setOption,
    backendOption,
    { name: 'workers', type: 'string', value: 'N', description: 'training workers: each batch is split across N threads, each with its own backend (default: the pipeline\'s workers, else one per core on wasm-onednn, wasm and cpu; 1 on tensorflow; 1 trains on the main thread; BatchNorm statistics are per worker: see docs/training.md)' },
    { name: 'loader-workers', type: 'string', value: 'N', description: 'data loader threads (default: cores - 1; 0: load on the training thread)' },
    { name: 'outputs', type: 'string', value: 'DIR', description: 'where runs and caches go (default: outputs)' },
    { name: 'resume', type: 'string', value: 'RUN_DIR', description: 'continue a stopped run in its own folder (stopped stages resume by themselves in a new folder too); refused, naming the fields, when a stage changed since' },
    { name: 'warm-start', type: 'boolean', description: 'with --resume: start the changed stages from the run\'s weights anyway, as a new run' },
    { name: 'queue', type: 'string', value: 'URL', description: 'train the stages on `pipe worker`s through this Redis queue (redis://HOST:PORT, rediss:// for TLS) instead of here, then make the run folder from the store; PIPE_QUEUE does the same' },
    { name: 'wait', type: 'boolean', description: 'wait for another pipe run training the same stage instead of stopping' },
    { ...remoteOption, description: `${remoteOption.description}. A stage complete there is pulled instead of trained, each checkpoint is pushed as it is written (a stage stopped on one machine resumes on another), each finished stage is pushed` },
    { name: 'quiet', type: 'boolean', description: 'print only the summary' },
    { name: 'json', type: 'boolean', description: 'print JSON lines: one event per line' },
  ],
  async run(args, terminal) {
    // Everything the run prints goes to its folder's run.log too, once the folder exists.
    const log = new RunLog();
    const io = loggedIo(terminal, log);
    try {
      return await runCommand(args, io, terminal, log);
    } catch (e) {
      log.write(`${e instanceof InputError ? 'error' : 'failed'}: ${failureReason(e)}\n`);
      throw e;
    } finally {
      log.close();
    }
  },
};

/** `io` whose output also goes to `log` (first: never behind the console). */
function loggedIo(io: Io, log: RunLog): Io {
  return {
    ...io,
    out: (text) => (log.write(text), io.out(text)),
    err: (text) => (log.write(text), io.err(text)),
  };
}

/** pipe run; `io` logs what it prints, the reporter writes to the console and logs by itself. */
async function runCommand(args: ParsedArgs, io: Io, terminal: Io, log: RunLog): Promise<number> {
  // A bad remote is said before anything loads or trains.
  const remoteSpec = remoteSpecFrom(args.values.remote as string | undefined, io.env);
  // Asked first (its git process runs while the pipeline loads and the data is hashed), awaited
  // when the run folder is made. What it cannot know it records as such; it never fails a run.
  const provenance = import('../../train/provenance.js').then((m) => m.collectProvenance({ argv: io.argv ?? [], cwd: io.cwd, pipelineFile: resolve(io.cwd, args.positionals[0]) }), () => undefined);
  const loaded = await loadPipeline(args.positionals[0], io.cwd, sets(args));
  const { pipeline, plan } = loaded;
  const stages = (args.values.stage as string[] | undefined) ?? [];
  const known = Object.keys(pipeline.stages);
  const unknown = stages.filter((s) => !known.includes(s));
  if (unknown.length) throw new InputError(unknown.map((s) => ({ message: `unknown stage '${s}'`, hint: `stages: ${known.join(', ')}` })));
  const workers = wholeNumber(args.values.workers, '--workers', 1);
  const loaderWorkers = wholeNumber(args.values['loader-workers'], '--loader-workers', 0);
  const backendOpts = { backend: args.values.backend as string | undefined, env: io.env };
  // Keys need the backend kind; loading tfjs is only worth it when a stage trains. A tfjs-node
  // package that is installed may still fail to load, so it is started first and trusted after
  // (expectedBackend has already loaded the oneDNN addon, which needs no tfjs).
  let kind = await expectedBackend(backendOpts);
  let started: BackendInfo | null = trustedWithoutStart(kind) ? null : await initBackend(backendOpts);
  if (started) kind = started.kind;
  const queueUrl = (args.values.queue as string | undefined) ?? io.env.PIPE_QUEUE;
  if (queueUrl) {
    (await import('../../queue/connection.js')).queueConnection(queueUrl, args.values.queue ? '--queue' : 'PIPE_QUEUE');
    if (args.values.resume) throw new InputError([{ message: '--queue and --resume cannot be used together: queued stages resume from the store by themselves' }]);
  }
  const { workers: trainWorkers, note } = chooseTrainWorkers(workers, pipeline.workers, kind);
  if (note) io.err(`note: ${note}\n`);
  const outputs = resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs');
  const store = StageStore.at(outputs, (m) => io.err(`warning: ${m}\n`));
  const { prepareRun } = await import('../../train/prepare.js');
  const prepared = await prepareRun(pipeline, plan, { backend: kind, workers: trainWorkers, store, stages, resume: args.values.resume ? resolve(io.cwd, args.values.resume as string) : undefined, warmStart: Boolean(args.values['warm-start']) });
  const remote = remoteSpec ? await openStageRemote(remoteSpec, io.env, { say: (m) => io.err(`${m}\n`), warn: (m) => io.err(`warning: ${m}\n`) }) : undefined;
  const { runPipeline, stagesToRun } = await import('../../train/run.js');
  const { defaultLoaderWorkers } = await import('../../data/loader.js');
  // Ctrl-C, or SIGTERM (a scheduler's or `kill`'s stop): finish the step and checkpoint it. A
  // second signal quits at once, with the shell's code for it.
  let stop: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop = signal;
    io.err(signal === 'SIGINT' ? 'stopping after the current step (Ctrl-C again to quit at once)\n' : `received ${signal}: stopping after the current step (send it again to quit at once)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const reporter = runReporter(terminal, { quiet: Boolean(args.values.quiet), json: Boolean(args.values.json), stages: stagesToRun(pipeline, stages), log: (text) => log.write(text) });
  try {
    if (queueUrl) {
      const failed = await trainOnQueue(queueUrl, { file: args.positionals[0], sets: sets(args), cwd: io.cwd, backend: kind, workers: trainWorkers, loaderWorkers: loaderWorkers ?? defaultLoaderWorkers(), outputs, stages, shouldStop: () => stop !== null, remote: remoteSpec }, loaded, io, Boolean(args.values.quiet) || Boolean(args.values.json));
      if (stop) return EXIT_JOB_FAILED;
      if (failed.length) throw new JobError(`stages failed on the queue: ${failed.join('; ')}`);
    }
    reporter.start(pipeline.name, kind);
    const result = await runPipeline(pipeline, plan, {
      tf: async () => {
        started ??= await initBackend(backendOpts);
        return started.tf;
      },
      backend: { kind, versions: started?.versions ?? {}, details: started?.details ?? {} },
      describeBackend: () => ({ kind, versions: started?.versions ?? {}, details: started?.details ?? {} }),
      outputs,
      store,
      keys: prepared.keys,
      warmStart: prepared.warmStart,
      wait: Boolean(args.values.wait),
      warn: (m) => io.err(`warning: ${m}\n`),
      stages,
      workers: trainWorkers,
      loaderWorkers: loaderWorkers ?? defaultLoaderWorkers(),
      events: reporter.events,
      shouldStop: () => stop !== null,
      stopReason: () => (stop ? `received ${stop}` : null),
      provenance: await provenance,
      onRunDir: (dir) => log.open(dir),
      ...(prepared.resume ? { resume: prepared.resume } : {}),
      ...(remote ? { remote } : {}),
    });
    await reporter.finish(result);
    return result.interrupted ? EXIT_JOB_FAILED : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    remote?.close();
  }
}

/** The stages as jobs on the queue, their epochs printed as they end; returns the failures. */
async function trainOnQueue(url: string, o: Omit<import('../../study/index.js').StagesOnExecutorOptions, 'executor' | 'events'>, source: import('../../study/index.js').CheckedTrial['source'] & { plan: import('../../graph/analyze.js').GraphPlan }, io: Io, silent: boolean): Promise<string[]> {
  const { trainStagesOn } = await import('../../study/index.js');
  const { QueueExecutor } = await import('../../queue/queue-executor.js');
  const { shownUrl } = await import('../../queue/connection.js');
  const executor = new QueueExecutor(url, (m) => io.err(`warning: ${m}\n`));
  const say = (line: string) => {
    if (!silent) io.out(line + '\n');
  };
  say(`training on the queue ${shownUrl(url)}`);
  try {
    return await trainStagesOn(source, source.plan, {
      ...o,
      executor,
      events: {
        jobEpoch: (_, record) => say(epochLine(record, null)),
        jobResumed: (job, epoch, step) => say(`[${job.stage}] resuming at epoch ${epoch + 1}${step ? `, step ${step}` : ''} (on a worker, from its checkpoint)`),
        jobWarning: (job, message) => io.err(`warning: stage ${job.stage}: ${message}\n`),
        jobNote: (_, message) => say(message),
      },
    });
  } finally {
    await executor.close();
  }
}
