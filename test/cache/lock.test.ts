// One writer per cache entry: a second taker stops with a message naming the holder, or waits
// for it; a lock left by a dead process is taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/cache/lock.js';
import { JobError } from '../../src/errors.js';

const path = () => join(mkdtempSync(join(tmpdir(), 'pipe-lock-')), 'k.lock');

describe('entry locks', () => {
  it('hold the pid, refuse a second taker naming it, and free on release', async () => {
    const p = path();
    const lock = await acquireLock(p, { what: 'demo, stage train' });
    expect(JSON.parse(readFileSync(p, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), what: 'demo, stage train' });
    const second = await acquireLock(p, { what: 'demo, stage train' }).catch((e) => e);
    expect(second).toBeInstanceOf(JobError);
    expect(second.message).toMatch(new RegExp(`^demo, stage train: another pipe run holds .*k\\.lock \\(pid ${process.pid} on ${hostname()}, since .*: demo, stage train\\)$`));
    lock.release();
    expect(existsSync(p)).toBe(false);
    (await acquireLock(p, { what: 'again' })).release();
  });

  it('wait for the holder with wait: true', async () => {
    const p = path();
    const first = await acquireLock(p, { what: 'first' });
    let waited = 0;
    const second = acquireLock(p, { what: 'second', wait: true, pollMs: 20, onWait: () => waited++ });
    await new Promise((r) => setTimeout(r, 100));
    first.release();
    (await second).release();
    expect(waited).toBe(1);
  });

  it('take over a lock whose process is gone', async () => {
    const p = path();
    // A pid that existed and has exited: a finished child's.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(p, JSON.stringify({ pid: dead, host: hostname(), started: '2026-01-01T00:00:00Z', what: 'a run that was killed' }));
    const lock = await acquireLock(p, { what: 'new' });
    expect(JSON.parse(readFileSync(p, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('take over an empty lock (its writer died between creating and writing it)', async () => {
    const p = path();
    writeFileSync(p, '');
    (await acquireLock(p, { what: 'new' })).release();
  });

  it.each([['null'], ['[]'], ['{}'], ['"x"'], ['{"pid": "1", "host": "h", "started": "s", "what": "w"}'], ['{"pid": 1, "host": 5}']])(
    'take over a lock file that is not a holder pipe writes (%s) instead of waiting on it for ever',
    async (text) => {
      const p = path();
      writeFileSync(p, text);
      const lock = await acquireLock(p, { what: 'new' });
      expect(JSON.parse(readFileSync(p, 'utf8'))).toMatchObject({ pid: process.pid, what: 'new' });
      lock.release();
    },
  );
});
