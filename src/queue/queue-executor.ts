// Stage jobs through a BullMQ queue on Redis, to `pipe worker`s on any machine. A job's id is its
// stage key (with the pruning rung, when it trains only that far): two submitters, or one
// submitting twice, never queue the same stage twice, and both wait for its one outcome. The
// workers report each epoch as job progress; the outcome is the job's return value.
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { JobEvent, JobOutcome, StageExecutor, StageJobSpec } from '../study/executor.js';
import { queueConnection, queueName, type QueueConnection } from './connection.js';

/** Retries of a job whose worker died or was stopped (another worker resumes its checkpoint). */
export const JOB_ATTEMPTS = 5;

export function jobId(job: StageJobSpec): string {
  return job.stopAfterEpoch === undefined ? job.key : `${job.key}-to-${job.stopAfterEpoch}`;
}

export class QueueExecutor implements StageExecutor {
  /** The queue holds the concurrency: every job that is ready is handed to it at once. */
  readonly slots = 10_000;
  private readonly connection: QueueConnection;
  private readonly queues = new Map<string, { queue: Queue; events: QueueEvents }>();
  private readonly listeners = new Map<string, (e: Exclude<JobEvent, { type: 'end' }>) => void>();
  /** Jobs removed from the queue (pipe queue cancel) while waited for. */
  private readonly cancelled = new Map<string, () => void>();

  /** The last connection error told, so a Redis that is away is said once, not per retry. */
  private told = '';

  /** `warn`: told when the queue cannot be reached (ioredis keeps retrying meanwhile). */
  constructor(
    url: string,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.connection = queueConnection(url);
  }

  private connectionError = (e: Error) => {
    if (e.message === this.told) return;
    this.told = e.message;
    this.warn(`the queue cannot be reached (${e.message}); waiting for it to come back`);
  };

  async run(spec: StageJobSpec, onEvent: (e: Exclude<JobEvent, { type: 'end' }>) => void): Promise<JobOutcome> {
    const { queue, events } = await this.open(spec.backend);
    const id = jobId(spec);
    this.listeners.set(id, onEvent);
    try {
      // A finished job of an earlier submission holds the id: its outcome is old (the stage, if
      // done, is in the store and was not planned); it makes way for this one.
      const old = await queue.getJob(id);
      if (old && ((await old.isCompleted()) || (await old.isFailed()))) await old.remove();
      const job: Job = await queue.add('stage', spec, { jobId: id, attempts: JOB_ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } });
      const removed = new Promise<JobOutcome>((resolve) => this.cancelled.set(id, () => resolve({ status: 'failed', records: [], error: 'cancelled on the queue (pipe queue cancel)' })));
      return await Promise.race([job.waitUntilFinished(events) as Promise<JobOutcome>, removed]);
    } catch (e) {
      return { status: 'failed', records: [], error: `the queue gave up on the job: ${(e as Error).message}` };
    } finally {
      this.listeners.delete(id);
      this.cancelled.delete(id);
    }
  }

  /** Stops waiting; the jobs stay queued (workers finish them, and a rerun finds them stored). */
  stop(): void {
    void this.close();
  }

  async close(): Promise<void> {
    const open = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(open.flatMap(({ queue, events }) => [events.close(), queue.close()]));
  }

  private async open(backend: string): Promise<{ queue: Queue; events: QueueEvents }> {
    let q = this.queues.get(backend);
    if (!q) {
      const name = queueName(backend);
      q = { queue: new Queue(name, { connection: this.connection }), events: new QueueEvents(name, { connection: this.connection }) };
      q.events.on('progress', ({ jobId: id, data }) => this.listeners.get(id)?.(data as Exclude<JobEvent, { type: 'end' }>));
      q.events.on('removed', ({ jobId: id }) => this.cancelled.get(id)?.());
      q.queue.on('error', this.connectionError);
      q.events.on('error', this.connectionError);
      this.queues.set(backend, q);
      await q.events.waitUntilReady();
    }
    return q;
  }
}
