// What `pipe queue ls|cancel|retry` sees and steers: the stage jobs of every backend's queue.
import { Queue, type Job } from 'bullmq';
import { BACKEND_KINDS } from '../backend/kinds.js';
import { InputError } from '../errors.js';
import type { JobOutcome, StageJobSpec } from '../study/executor.js';
import { queueConnection, queueName } from './connection.js';

export interface ListedJob {
  readonly id: string;
  readonly backend: string;
  readonly stage: string;
  readonly file: string;
  readonly state: string;
  /** Tries so far (a stalled or stopped worker's job is tried again). */
  readonly attempts: number;
  /** The last epoch reported, as `3/10`. */
  readonly epoch: string | null;
  /** The outcome's status for a finished job. */
  readonly outcome: JobOutcome['status'] | null;
  readonly error: string | null;
}

const STATES = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/** Runs `f` with each backend's queue open; closes them after. */
async function withQueues<T>(url: string, f: (queues: readonly { backend: string; queue: Queue }[]) => Promise<T>): Promise<T> {
  const connection = queueConnection(url);
  const queues = BACKEND_KINDS.map((backend) => ({ backend, queue: new Queue(queueName(backend), { connection }) }));
  try {
    return await f(queues);
  } finally {
    await Promise.all(queues.map(({ queue }) => queue.close()));
  }
}

export function listJobs(url: string): Promise<ListedJob[]> {
  return withQueues(url, async (queues) => {
    const out: ListedJob[] = [];
    for (const { backend, queue } of queues) {
      for (const job of (await queue.getJobs([...STATES])) as Job<StageJobSpec>[]) {
        if (!job) continue;
        const progress = job.progress as { type?: string; record?: { epoch: number; epochs: number } } | number;
        const outcome = (job.returnvalue ?? null) as JobOutcome | null;
        out.push({
          id: job.id!,
          backend,
          stage: job.data.stage,
          file: job.data.file,
          state: await job.getState(),
          attempts: job.attemptsMade,
          epoch: typeof progress === 'object' && progress.type === 'epoch' && progress.record ? `${progress.record.epoch}/${progress.record.epochs}` : null,
          outcome: outcome?.status ?? null,
          error: outcome?.error ?? job.failedReason ?? null,
        });
      }
    }
    const order = (s: string) => (STATES as readonly string[]).indexOf(s);
    return out.sort((a, b) => order(a.state) - order(b.state) || (a.id < b.id ? -1 : 1));
  });
}

/** The one job whose id starts with `prefix` (at least 6 characters). */
async function findJob(queues: readonly { backend: string; queue: Queue }[], prefix: string): Promise<Job> {
  if (prefix.length < 6) throw new InputError([{ message: `'${prefix}': give at least 6 characters of a job's id (pipe queue ls lists them)` }]);
  const found: Job[] = [];
  for (const { queue } of queues) for (const job of await queue.getJobs([...STATES])) if (job?.id?.startsWith(prefix)) found.push(job);
  if (found.length === 0) throw new InputError([{ message: `no job's id starts with '${prefix}'`, hint: 'pipe queue ls lists them' }]);
  if (found.length > 1) throw new InputError([{ message: `'${prefix}' starts ${found.length} jobs' ids: ${found.map((j) => j.id!.slice(0, 16)).join(', ')}`, hint: 'give more characters' }]);
  return found[0];
}

/** Removes a job that no worker has taken yet (a running one cannot be: it is stopped by its worker). */
export function cancelJob(url: string, prefix: string): Promise<string> {
  return withQueues(url, async (queues) => {
    const job = await findJob(queues, prefix);
    const state = await job.getState();
    if (state === 'active') throw new InputError([{ message: `job ${job.id!.slice(0, 16)} is running on a worker: it cannot be cancelled from here`, hint: 'stop that worker (Ctrl-C): it checkpoints the stage and hands the job back; then cancel it' }]);
    await job.remove();
    return `cancelled ${job.id} (${state})`;
  });
}

/** Queues a failed job again (a job that completed with a failed outcome is queued anew). */
export function retryJob(url: string, prefix: string): Promise<string> {
  return withQueues(url, async (queues) => {
    const job = (await findJob(queues, prefix)) as Job<StageJobSpec>;
    const state = await job.getState();
    const outcome = job.returnvalue as JobOutcome | null;
    if (state === 'failed') {
      await job.retry();
      return `retrying ${job.id}`;
    }
    if (state === 'completed' && outcome?.status === 'failed') {
      const queue = queues.find((q) => q.queue.name === job.queueName)!.queue;
      await job.remove();
      await queue.add('stage', job.data, { ...job.opts, jobId: job.id });
      return `retrying ${job.id}`;
    }
    throw new InputError([{ message: `job ${job.id!.slice(0, 16)} is ${state}${outcome ? ` (${outcome.status})` : ''}: only a failed job can be retried` }]);
  });
}
