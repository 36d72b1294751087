// Where the stage queue lives: a Redis URL (redis://, or rediss:// for TLS; a password in the URL
// is Redis AUTH). Checked before anything connects, so a typo is bad input, not a hang.
import { InputError } from '../errors.js';

export interface QueueConnection {
  readonly url: string;
  /** BullMQ's blocking commands need ioredis never to give up on a request. */
  readonly maxRetriesPerRequest: null;
}

export function queueConnection(url: string, flag = '--queue'): QueueConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError([{ message: `${flag} ${JSON.stringify(url)}: not a URL`, hint: 'e.g. redis://127.0.0.1:6379, or rediss://:PASSWORD@host:6380 for TLS' }]);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InputError([{ message: `${flag}: '${parsed.protocol}' is not a Redis URL`, hint: 'the queue is Redis: redis://HOST:PORT, or rediss://HOST:PORT for TLS' }]);
  }
  if (!parsed.hostname) throw new InputError([{ message: `${flag}: the URL names no host`, hint: 'e.g. redis://127.0.0.1:6379' }]);
  return { url, maxRetriesPerRequest: null };
}

/** The URL as it may be printed: without its password. */
export function shownUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** One queue per backend kind: a worker takes only jobs keyed for the backend it runs. */
export function queueName(backend: string): string {
  return `pipe-stages-${backend}`;
}
