import { resolve } from 'node:path';
import { expectedBackend, initBackend, trustedWithoutStart } from '../../backend/index.js';
import type { Command } from '../command.js';
import { remoteSpecFrom } from '../../remote/index.js';
import { backendOption, remoteOption, wholeNumber } from './options.js';

export const worker: Command = {
  name: 'worker',
  summary: "take stage jobs from a queue (Redis) and train them on this machine",
  usage: 'pipe worker --queue URL [--jobs N] [--workers N] [--backend NAME] [--outputs DIR]',
  positionals: { min: 0, max: 0 },
  description:
    "Connects to the queue that `pipe study --queue URL` fills and runs the stage jobs keyed for this machine's backend (a worker on another backend never takes them: each backend has its queue), each in a child process of its own, up to --jobs at once, into this machine's stage store (--outputs). The pipeline files and data must be at the same paths as on the submitting machine (a shared mount). While a job trains its lock is renewed; if the worker dies, the job is found stalled and given to another worker, which resumes the stage from its last checkpoint. Ctrl-C or SIGTERM checkpoints the running jobs and hands them back to the queue. The URL may hold a password (redis://:PASSWORD@HOST:PORT) and use TLS (rediss://).",
  options: [
    { name: 'queue', type: 'string', value: 'URL', description: 'the Redis URL of the queue (redis://HOST:PORT or rediss:// for TLS); PIPE_QUEUE does the same' },
    { name: 'jobs', type: 'string', value: 'N', description: 'jobs at once on this machine (default 1)' },
    { name: 'workers', type: 'string', value: 'N', description: "training workers of each job (default: the submitter's choice, which is part of the job's key where it changes the result)" },
    backendOption,
    { ...remoteOption, description: `${remoteOption.description} (default: the one each job was submitted with): stages complete there are pulled, checkpoints and results pushed, so workers on machines without a shared folder share results and resume each other's stages` },
    { name: 'outputs', type: 'string', value: 'DIR', description: "this machine's outputs folder, holding the stage store (default: outputs)" },
  ],
  async run(args, io) {
    const { queueConnection, shownUrl } = await import('../../queue/connection.js');
    const url = (args.values.queue as string | undefined) ?? io.env.PIPE_QUEUE;
    if (!url) throw new (await import('../../errors.js')).InputError([{ message: 'pipe worker needs the queue: --queue redis://HOST:PORT (or PIPE_QUEUE)' }]);
    queueConnection(url, args.values.queue ? '--queue' : 'PIPE_QUEUE');
    const backendOpts = { backend: args.values.backend as string | undefined, env: io.env };
    let kind = await expectedBackend(backendOpts);
    if (!trustedWithoutStart(kind)) kind = (await initBackend(backendOpts)).kind;
    const jobs = wholeNumber(args.values.jobs, '--jobs', 1) ?? 1;
    const remote = remoteSpecFrom(args.values.remote as string | undefined, io.env);
    const { startWorker } = await import('../../queue/worker.js');
    const lockMs = io.env.PIPE_QUEUE_LOCK_MS ? Number(io.env.PIPE_QUEUE_LOCK_MS) : undefined;
    const running = await startWorker({ url, jobs, backend: kind, outputs: resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs'), workers: wholeNumber(args.values.workers, '--workers', 1), remote, env: io.env, lockMs, log: (line) => io.out(line + '\n') });
    io.out(`worker on ${kind}: taking up to ${jobs} job${jobs === 1 ? '' : 's'} at once from ${shownUrl(url)} (Ctrl-C to stop)\n`);
    await new Promise<void>((done) => {
      const stop = (signal: NodeJS.Signals) => {
        io.err(`received ${signal}: checkpointing the running jobs and handing them back to the queue\n`);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void running.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
