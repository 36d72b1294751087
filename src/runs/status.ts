// A run's status as a reader should believe it. run.json says what the run last wrote; a run
// killed outright (SIGKILL, a power cut, out of memory) never wrote its end, so `running` is
// believed only while its process lives. That is checked on the run's own host; another
// machine's run is taken at its word.
import { hostname } from 'node:os';
import { processAlive } from '../cache/files.js';
import type { RunStatusRecord } from '../train/run-status.js';
import type { RunState } from './types.js';

export interface DerivedStatus {
  readonly status: RunState;
  readonly reason?: string;
  readonly ended?: string;
  readonly pid?: number;
  readonly host?: string;
}

/** Where the reader is: its host name and a test of whether one of its pids lives. */
export interface Here {
  readonly host: string;
  readonly alive: (pid: number) => boolean;
}

export const HERE: Here = { host: hostname(), alive: processAlive };

/** The status to show for what run.json records. */
export function derivedStatus(recorded: RunStatusRecord, here: Here = HERE): DerivedStatus {
  switch (recorded.state) {
    case 'running': {
      const { pid, host } = recorded;
      if (host === here.host && !here.alive(pid)) return { status: 'stopped', reason: `killed: its process (pid ${pid}) is gone`, pid, host };
      return { status: 'running', pid, host };
    }
    case 'done':
      return { status: 'done', ended: recorded.ended };
    case 'failed':
    case 'stopped':
      return { status: recorded.state, reason: recorded.reason, ended: recorded.ended };
    default: {
      const never: never = recorded;
      return never;
    }
  }
}

/** run.json's `status` checked field by field: the record, or what is wrong with it. */
export function parseStatus(value: unknown): { record: RunStatusRecord } | { problem: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: 'status is not an object' };
  const v = value as Record<string, unknown>;
  const text = (k: string) => typeof v[k] === 'string';
  switch (v.state) {
    case 'running':
      if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0) return { problem: 'status.pid is not a process id' };
      if (!text('host') || !text('since')) return { problem: 'status.host or status.since is missing' };
      return { record: { state: 'running', pid: v.pid as number, host: v.host as string, since: v.since as string } };
    case 'done':
      if (!text('ended')) return { problem: 'status.ended is missing' };
      return { record: { state: 'done', ended: v.ended as string } };
    case 'failed':
    case 'stopped':
      if (!text('ended') || !text('reason')) return { problem: 'status.ended or status.reason is missing' };
      return { record: { state: v.state, ended: v.ended as string, reason: v.reason as string } };
    default:
      return { problem: `status.state ${JSON.stringify(v.state)?.slice(0, 40) ?? 'undefined'} is not one of running, done, failed, stopped` };
  }
}
