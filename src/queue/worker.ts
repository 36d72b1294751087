// `pipe worker`: takes stage jobs keyed for this machine's backend from the queue and runs each
// in a child process of its own (the local executor's), reporting its epochs as job progress.
// BullMQ keeps the job's lock alive while it runs; a worker that dies has its job found stalled
// and given to another, whose process resumes the stage from its checkpoint in the store.
import { Worker, type Job } from 'bullmq';
import type { RemoteSpec } from '../remote/url.js';
import type { JobOutcome, StageJobSpec } from '../study/executor.js';
import { LocalExecutor } from '../study/local-executor.js';
import { queueConnection, queueName } from './connection.js';

export interface WorkerOptions {
  readonly url: string;
  /** Jobs at once on this machine. */
  readonly jobs: number;
  readonly backend: string;
  /** This machine's outputs/ (its stage store). */
  readonly outputs: string;
  readonly workers?: number;
  /** This machine's remote, over the one a job was submitted with. */
  readonly remote?: RemoteSpec | null;
  readonly env?: NodeJS.ProcessEnv;
  /** How long a job's lock lasts without renewal: a dead worker's job is taken over after it. */
  readonly lockMs?: number;
  readonly log: (line: string) => void;
}

export interface RunningWorker {
  /** Stops taking jobs, checkpoints the running ones (they go back to the queue), closes. */
  close(): Promise<void>;
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const connection = queueConnection(o.url);
  const local = new LocalExecutor(o.jobs, o.env);
  let closing = false;
  const lockDuration = o.lockMs ?? 30_000;
  const worker = new Worker(
    queueName(o.backend),
    async (job: Job<StageJobSpec>) => {
      const spec = { ...job.data, outputs: o.outputs, ...(o.workers ? { workers: o.workers } : {}), ...(o.remote ? { remote: o.remote } : {}) };
      o.log(`> ${job.id}: ${spec.stage} of ${spec.file}${job.attemptsMade ? ` (attempt ${job.attemptsMade + 1})` : ''}`);
      const outcome: JobOutcome = await local.run(spec, (e) => void job.updateProgress(e));
      o.log(`= ${job.id}: ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`);
      // Stopped because this worker is going away: back to the queue, for another worker.
      if (outcome.status === 'stopped' && closing) throw new Error('its worker was stopped; another resumes it');
      return outcome;
    },
    { connection, concurrency: o.jobs, lockDuration, stalledInterval: Math.max(1000, Math.round(lockDuration / 2)), maxStalledCount: 3 },
  );
  // Redis away: said once per distinct error while ioredis reconnects.
  let told = '';
  worker.on('error', (e) => {
    if (e.message !== told) o.log(`! the queue cannot be reached (${e.message}); waiting for it to come back`);
    told = e.message;
  });
  await worker.waitUntilReady();
  return {
    async close() {
      closing = true;
      local.stop();
      await worker.close();
    },
  };
}
