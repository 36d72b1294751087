// Live pages: server-sent events. Each open stream polls a cheap signature of the files its page
// shows (sizes, mtimes, inodes: a run rewrites metrics.jsonl by renaming a new file over it) and
// sends the page's whole data again when it changes. fs.watch would be quicker but misses
// renames on some file systems and fires nothing on network mounts; a stat every half second
// per open page costs nothing. Streams are bounded: each holds a timer and a connection.
import { statSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How a stream's files look now: any change of the string sends an update. */
export type Signature = () => string;

export interface StreamOptions {
  /** Streams open at once; one more is refused with 503. */
  readonly max: number;
  readonly pollMs: number;
  /** Headers every response carries (the stream is written raw, past fastify's hooks). */
  readonly headers: Readonly<Record<string, string>>;
}

/** A comment line now and then keeps proxies and the browser from timing the stream out. */
const KEEPALIVE_MS = 15_000;

export class LiveStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly options: StreamOptions) {}

  get count(): number {
    return this.open.size;
  }

  /** Answers `req` with an event stream: `update` events carrying `data()` as JSON, now and at every change of `signature()`. */
  stream(req: FastifyRequest, reply: FastifyReply, signature: Signature, data: () => Promise<unknown>): void {
    if (this.open.size >= this.options.max) {
      void reply.code(503).type('text/plain; charset=utf-8').send(`too many live pages open (at most ${this.options.max}): close some and reload\n`);
      return;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...this.options.headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
    let last: string | null = null;
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const now = signature();
        if (now !== last) {
          last = now;
          res.write(`event: update\ndata: ${JSON.stringify(await data())}\n\n`);
        }
      } catch (e) {
        // A file caught half-written, or removed: said to the page, tried again at the next tick.
        last = null;
        res.write(`event: problem\ndata: ${JSON.stringify((e as Error).message)}\n\n`);
      } finally {
        busy = false;
      }
    };
    const poll = setInterval(() => void tick(), this.options.pollMs);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    const end = () => {
      clearInterval(poll);
      clearInterval(keepAlive);
      this.open.delete(end);
      res.end();
    };
    this.open.add(end);
    req.raw.on('close', end);
    void tick();
  }

  /** Ends every stream (the server is closing: it waits for open connections). */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}

/** Size, mtime and inode of each file ('-' for one that is not there). */
export function filesSignature(files: readonly string[]): string {
  return files
    .map((f) => {
      const s = statSync(f, { throwIfNoEntry: false });
      return s ? `${s.size}:${s.mtimeMs}:${s.ino}` : '-';
    })
    .join('|');
}
