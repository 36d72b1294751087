import { resolve } from 'node:path';
import { expectedBackend, initBackend, trustedWithoutStart } from '../../backend/index.js';
import { StageStore } from '../../cache/store.js';
import { EXIT_JOB_FAILED, InputError } from '../../errors.js';
import type { Command } from '../command.js';
import { jobLabel, planTable, statusText, trialsTable, epochLine } from '../study-view.js';
import { remoteSpecFrom } from '../../remote/index.js';
import { backendOption, remoteOption, setOption, sets, wholeNumber } from './options.js';

export const study: Command = {
  name: 'study',
  summary: 'run a study: many trials of pipelines, every shared stage trained once',
  usage: 'pipe study STUDY [--jobs N] [--workers N] [--set PATH=VALUE]... [--plan | --status] [--backend NAME] [--outputs DIR] [--quiet | --json]',
  positionals: { min: 1, max: 1 },
  exclusive: [
    ['plan', 'status'],
    ['quiet', 'json'],
  ],
  description:
    "Expands the study's trials (pipelines x grid x zip x random samples x seeds), computes every trial's stage keys, and runs each distinct stage once: trials whose stages have the same key share one job, and a stage already in the cache (outputs/cache/stages/) is not run at all. Jobs run in child processes, up to --jobs at once, each when the stages it needs are complete. A failing trial (a diverging loss, bad data) stops only itself and what needs it; the summary names each failure. Ctrl-C or SIGTERM checkpoints every running job; running the study again continues them exactly and reruns only what failed or changed.\nThe record goes to outputs/studies/<study>-<time>/study.json (trials, values, keys, status, metric, every stage's epochs), written at every change; `pipe report` renders it. Exit 0 every trial done (or pruned), 1 a trial failed or the study was stopped, 2 bad input.",
  options: [
    { name: 'jobs', type: 'string', value: 'N', description: 'stage jobs at once (default: one per core, as memory allows at up to 4 GiB per job, no more than the trials; the choice is printed)' },
    { name: 'workers', type: 'string', value: 'N', description: "training workers of each job (default: the job's share of the cores)" },
    setOption,
    { name: 'queue', type: 'string', value: 'URL', description: 'send the jobs to `pipe worker`s through this Redis queue (redis://HOST:PORT, rediss:// for TLS) instead of running them here; PIPE_QUEUE does the same' },
    { name: 'plan', type: 'boolean', description: 'print trials x stages (cached, run, or shared with the trial whose job trains it) and run nothing' },
    { name: 'status', type: 'boolean', description: 'show the progress of the newest run of this study (from another terminal too) and run nothing' },
    backendOption,
    { ...remoteOption, description: `${remoteOption.description}: every job pulls a stage complete there instead of training it, pushes its checkpoints as they are written and its result when done (with --queue: what lets workers on other machines share results)` },
    { name: 'outputs', type: 'string', value: 'DIR', description: 'where studies and caches go (default: outputs)' },
    { name: 'quiet', type: 'boolean', description: 'print only the summary' },
    { name: 'json', type: 'boolean', description: 'print JSON lines: one event per line' },
  ],
  async run(args, io) {
    const { loadStudy, planStudy, runStudyInFolder, latestStudyDir, readStudyRecord, chooseSlots, LocalExecutor } = await import('../../study/index.js');
    const { study: spec, trials } = await loadStudy(args.positionals[0], { cwd: io.cwd, sets: sets(args) });
    const outputs = resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs');
    if (args.values.status) {
      const dir = latestStudyDir(outputs, spec.name);
      if (!dir) throw new InputError([{ message: `study '${spec.name}' has not been run in ${outputs}`, hint: `run it: pipe study ${args.positionals[0]}` }]);
      io.out(statusText(dir, readStudyRecord(dir)));
      return 0;
    }
    const remote = remoteSpecFrom(args.values.remote as string | undefined, io.env);
    const queueUrl = (args.values.queue as string | undefined) ?? io.env.PIPE_QUEUE;
    if (queueUrl) (await import('../../queue/connection.js')).queueConnection(queueUrl, args.values.queue ? '--queue' : 'PIPE_QUEUE');
    const backendOpts = { backend: args.values.backend as string | undefined, env: io.env };
    let kind = await expectedBackend(backendOpts);
    if (!trustedWithoutStart(kind)) kind = (await initBackend(backendOpts)).kind;
    const slots = chooseSlots({ jobs: wholeNumber(args.values.jobs, '--jobs', 1), workers: wholeNumber(args.values.workers, '--workers', 1), trials: trials.length, backend: kind });
    const store = StageStore.at(outputs, (m) => io.err(`warning: ${m}\n`));
    const plan = await planStudy(spec, trials, { backend: kind, workers: slots.workers, store });
    const quiet = Boolean(args.values.quiet);
    const json = Boolean(args.values.json);
    const say = (line: string) => {
      if (!quiet && !json) io.out(line + '\n');
    };
    const emit = (event: Record<string, unknown>) => {
      if (json) io.out(JSON.stringify(event) + '\n');
    };
    if (args.values.plan) {
      io.out(planTable(spec, plan));
      return 0;
    }
    if (queueUrl) say(`study ${spec.name} on ${kind}: its jobs go to the queue ${(await import('../../queue/connection.js')).shownUrl(queueUrl)}, ${slots.workers} training worker${slots.workers === 1 ? '' : 's'} each`);
    else say(`study ${spec.name} on ${kind}: ${slots.jobs} job${slots.jobs === 1 ? '' : 's'} at once, ${slots.workers} training worker${slots.workers === 1 ? '' : 's'} each (${slots.why})`);
    say(planTable(spec, plan).trimEnd());
    // Ctrl-C, or SIGTERM: every running job checkpoints and stops. A second one quits at once
    // (the jobs still checkpoint: they see their parent go).
    let stop = false;
    const executor = queueUrl ? new (await import('../../queue/queue-executor.js')).QueueExecutor(queueUrl, (m) => io.err(`warning: ${m}\n`)) : new LocalExecutor(slots.jobs, io.env);
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop) process.exit(signal === 'SIGINT' ? 130 : 143);
      stop = true;
      io.err(`${signal === 'SIGINT' ? 'stopping' : `received ${signal}: stopping`}: every running job checkpoints after its current step (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)\n`);
      executor.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const { dir, record } = await runStudyInFolder(spec, plan, {
        outputs,
        executor,
        cwd: io.cwd,
        backend: kind,
        slots,
        remote,
        shouldStop: () => stop,
        events: {
          jobStart: (job, until) => {
            say(`> ${jobLabel(spec, job)}${until === undefined ? '' : ` (to epoch ${until}, a pruning rung)`}`);
            emit({ event: 'job_start', key: job.key, stage: job.stage, trials: job.trials.map((t) => spec.trials[t].name), stopAfterEpoch: until ?? null });
          },
          jobEpoch: (job, record) => {
            say(`  ${epochLine(record, null)}  (${spec.trials[job.trial].name})`);
            emit({ event: 'epoch', key: job.key, trial: spec.trials[job.trial].name, ...record });
          },
          jobResumed: (job, epoch, step) => say(`  resuming ${jobLabel(spec, job)} at epoch ${epoch + 1}${step ? `, step ${step}` : ''} (from its checkpoint)`),
          jobNote: (_, message) => say(`  ${message}`),
          jobWarning: (job, message) => io.err(`warning: ${jobLabel(spec, job)}: ${message}\n`),
          jobEnd: (job, state) => {
            const what = state.status === 'pruned' ? `pruned after epoch ${state.prunedAt}` : state.status;
            say(`${state.status === 'failed' || state.status === 'blocked' ? 'x' : '='} ${jobLabel(spec, job)}: ${what}${state.error ? `: ${state.error}` : ''}`);
            emit({ event: 'job_end', key: job.key, stage: job.stage, status: state.status, error: state.error, prunedAt: state.prunedAt });
          },
        },
      });
      if (json) emit({ event: 'study', dir, status: record.status, trials: record.trials.map(({ name, status, metric, error }) => ({ name, status, metric, error })) });
      else {
        io.out(trialsTable(record));
        io.out(`study folder: ${dir} (pipe report ${dir})\n`);
      }
      return record.status === 'done' ? 0 : EXIT_JOB_FAILED;
    } finally {
      if ('close' in executor) await executor.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
