// `pipe queue ls | cancel ID | retry ID`: the stage jobs on the Redis queue (src/queue/inspect.ts).
import { InputError } from '../../errors.js';
import { textTable } from '../../diff/text-table.js';
import type { Command } from '../command.js';

export const queue: Command = {
  name: 'queue',
  summary: 'list, cancel or retry the stage jobs on a queue (Redis)',
  usage: 'pipe queue ls [--json] | pipe queue cancel ID | pipe queue retry ID   (with --queue URL or PIPE_QUEUE)',
  positionals: { min: 1, max: 2 },
  description:
    "ls: every stage job of every backend's queue: its id (the stage key, with -to-N for a pruning rung), backend, stage, pipeline file, state (active, waiting, delayed, completed, failed), tries, the last epoch reported, and how a finished one ended.\ncancel ID: removes a job no worker has taken yet (a running job is stopped by stopping its worker, which checkpoints it). retry ID: queues a failed job again. ID may be a unique prefix of at least 6 characters.",
  options: [
    { name: 'queue', type: 'string', value: 'URL', description: 'the Redis URL of the queue (redis://HOST:PORT, rediss:// for TLS); PIPE_QUEUE does the same' },
    { name: 'json', type: 'boolean', description: 'ls: print JSON' },
  ],
  async run(args, io) {
    const [sub, id] = args.positionals;
    const url = (args.values.queue as string | undefined) ?? io.env.PIPE_QUEUE;
    if (!url) throw new InputError([{ message: 'pipe queue needs the queue: --queue redis://HOST:PORT (or PIPE_QUEUE)' }]);
    const { queueConnection } = await import('../../queue/connection.js');
    queueConnection(url, args.values.queue ? '--queue' : 'PIPE_QUEUE');
    const inspect = await import('../../queue/inspect.js');
    if (sub === 'ls') {
      if (id !== undefined) throw new InputError([{ message: `pipe queue ls takes no further arguments; unexpected: '${id}'`, hint: `usage: ${queue.usage}` }]);
      const jobs = await inspect.listJobs(url);
      if (args.values.json) io.out(JSON.stringify(jobs, null, 2) + '\n');
      else if (jobs.length === 0) io.out('no jobs on the queue\n');
      else io.out(textTable(['id', 'backend', 'stage', 'state', 'tries', 'epoch', 'ended', 'pipeline'], jobs.map((j) => [j.id.slice(0, 16), j.backend, j.stage, j.state, String(j.attempts), j.epoch ?? '-', j.outcome ? `${j.outcome}${j.error ? `: ${j.error.split('\n')[0].slice(0, 60)}` : ''}` : '-', j.file]), [4]));
      return 0;
    }
    if (sub !== 'cancel' && sub !== 'retry') throw new InputError([{ message: `unknown subcommand '${sub}'`, hint: `usage: ${queue.usage}` }]);
    if (id === undefined) throw new InputError([{ message: `pipe queue ${sub} needs a job's id`, hint: 'pipe queue ls lists them' }]);
    io.out((sub === 'cancel' ? await inspect.cancelJob(url, id) : await inspect.retryJob(url, id)) + '\n');
    return 0;
  },
};
