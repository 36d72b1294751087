// One writer per cache entry: a lock file created exclusively (O_EXCL), holding the pid, host and
// start time of the process that trains the entry. A second `pipe run` reaching the same stage
// stops with a message naming the holder (or waits, with --wait). A lock whose process is gone
// (same host, pid no longer alive) is stale: it is renamed away, which only one taker can do,
// and taken over.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { JobError } from '../errors.js';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
  readonly what: string;
}

export interface Lock {
  release(): void;
}

export interface LockOptions {
  /** What the holder is doing, for the message another process shows. */
  readonly what: string;
  /** Wait for a live holder instead of stopping (polls). */
  readonly wait?: boolean;
  readonly pollMs?: number;
  /** Told once when waiting starts. */
  readonly onWait?: (holder: LockHolder) => void;
}

export async function acquireLock(path: string, o: LockOptions): Promise<Lock> {
  let told = false;
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    if (tryCreate(path, o.what)) return { release: () => releaseLock(path) };
    const holder = readHolder(path);
    if (holder === null || isStale(holder)) {
      takeOver(path, holder);
      continue;
    }
    if (!o.wait) {
      throw new JobError(`${o.what}: another pipe run holds ${path} (pid ${holder.pid} on ${holder.host}, since ${holder.started}: ${holder.what})`, 'wait for it to finish, or pass --wait to wait for it; a lock left by a process that died is taken over automatically');
    }
    if (!told) o.onWait?.(holder);
    told = true;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
  }
}

function tryCreate(path: string, what: string): boolean {
  const holder: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), what };
  return createExclusive(path, JSON.stringify(holder));
}

/** Creates `path` holding `text` unless it exists (O_EXCL: of two creators, one wins). */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | null {
  let h: Partial<LockHolder> | null;
  try {
    h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder> | null;
  } catch {
    // Gone since (released), or empty: its writer died between create and write.
    return null;
  }
  // Not a holder pipe writes (damaged, hand-made): no live process can be named, so it is stale.
  const ok = h !== null && typeof h === 'object' && Number.isSafeInteger(h.pid) && typeof h.host === 'string' && typeof h.started === 'string' && typeof h.what === 'string';
  return ok ? (h as LockHolder) : null;
}

function isStale(h: LockHolder): boolean {
  if (h.host !== hostname()) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function takeOver(path: string, stale: LockHolder | null): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return;
  }
  // Another taker may have replaced the stale lock between our read and our rename: then what we
  // moved is its live lock, and it goes back (unless a third process already holds the name).
  const moved = readHolder(aside);
  if (moved !== null && stale !== null && (moved.pid !== stale.pid || moved.started !== stale.started) && !isStale(moved)) {
    try {
      if (createExclusive(path, readFileSync(aside, 'utf8'))) {
        rmSync(aside, { force: true });
        return;
      }
    } catch {
      // fall through: the aside copy is removed below
    }
  }
  rmSync(aside, { force: true });
}

function releaseLock(path: string): void {
  const holder = readHolder(path);
  if (holder?.pid === process.pid && holder.host === hostname()) rmSync(path, { force: true });
}
