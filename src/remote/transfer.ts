// `pipe cache push|pull`: whole entries between the local store and a remote, one at a time, each
// told as it ends: transferred, skipped (the other side has it complete already) or failed (the
// reason; the others go on).
import { acquireLock } from '../cache/lock.js';
import type { StageStore } from '../cache/store.js';
import { JobError } from '../errors.js';
import type { RemoteEntries } from './entries.js';

export interface TransferLine {
  readonly key: string;
  /** `pipeline/stage`, or '?' where the entry could not be read. */
  readonly what: string;
  readonly outcome: 'pushed' | 'pulled' | 'skipped' | 'failed';
  readonly files: number;
  readonly bytes: number;
  /** Why it failed. */
  readonly reason?: string;
}

/** Pushes the complete local entries `keys`. */
export async function pushEntries(store: StageStore, remote: RemoteEntries, keys: readonly string[], told: (line: TransferLine) => void): Promise<TransferLine[]> {
  const lines: TransferLine[] = [];
  for (const key of keys) {
    const local = store.complete(key);
    const what = local ? `${local.pipeline}/${local.stage}` : '?';
    const line = await attempt(key, what, async () => {
      if (local === null) throw new JobError('it is not complete here (partial, or removed as damaged)');
      if (await remote.has(key)) return { key, what, outcome: 'skipped', files: 0, bytes: 0 };
      const put = await remote.put(key, store);
      // Its checkpoints, pushed while it trained somewhere, are of no more use.
      await remote.dropCheckpoints(key);
      return { key, what, outcome: 'pushed', ...put };
    });
    told(line);
    lines.push(line);
  }
  return lines;
}

/** Pulls the remote's complete entries `keys`, each under its local lock. */
export async function pullEntries(store: StageStore, remote: RemoteEntries, keys: readonly string[], told: (line: TransferLine) => void): Promise<TransferLine[]> {
  const lines: TransferLine[] = [];
  for (const key of keys) {
    const local = store.complete(key);
    let what = local ? `${local.pipeline}/${local.stage}` : '?';
    const line = await attempt(key, what, async () => {
      if (local !== null) return { key, what, outcome: 'skipped', files: 0, bytes: 0 };
      const manifest = await remote.manifest(key);
      if (manifest === null) throw new JobError(`${remote.url} has no complete entry of it`);
      what = `${manifest.pipeline}/${manifest.stage}`;
      const lock = await acquireLock(store.lockPath(key), { what: `pipe cache pull of ${what}` });
      try {
        const got = await remote.get(key, store);
        if (got === null) throw new JobError(`${remote.url} has no complete entry of it any more`);
        return { key, what, outcome: 'pulled', ...got };
      } finally {
        lock.release();
      }
    });
    told({ ...line, what });
    lines.push({ ...line, what });
  }
  return lines;
}

/** One entry's transfer; an expected failure (JobError) is its line, anything else a bug. */
async function attempt(key: string, what: string, run: () => Promise<TransferLine>): Promise<TransferLine> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof JobError)) throw e;
    return { key, what, outcome: 'failed', files: 0, bytes: 0, reason: e.message };
  }
}
