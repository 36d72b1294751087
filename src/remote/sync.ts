// What a training stage does with a remote (train/run.ts, trainToStore, calls each under the
// entry's lock): before training, pull a complete entry instead (pullEntry), or else the newer
// checkpoint another machine pushed (pullCheckpoint); while training, push every checkpoint as it
// is written (checkpointWritten: in the background, coalesced, so training never waits on the
// network); at the end (stageEnded), wait for those pushes, make sure a stop's last checkpoint is
// on the remote, and push a sealed entry whole.
import { basename, dirname, join } from 'node:path';
import type { StageStore } from '../cache/store.js';
import { JobError } from '../errors.js';
import { byteSize } from '../format.js';
import { readLocalCheckpoint, RemoteRefused, type CheckpointSlot, type RemoteEntries, type Transferred } from './entries.js';

export interface RemoteLog {
  /** What was transferred. */
  say(message: string): void;
  warn(message: string): void;
}

/** How a stage's training ended: sealed into its entry, stopped with a checkpoint, or failed. */
export type StageOutcome = 'sealed' | 'interrupted' | 'failed';

/** The checkpoint pushes of one stage: what is waiting, what runs, what failed last. */
interface Pushes {
  readonly entryDir: string;
  readonly stage: string;
  readonly dirty: Set<CheckpointSlot>;
  readonly failed: Map<CheckpointSlot, JobError>;
  running: Promise<void> | null;
}

export class StageRemote {
  private readonly pushes = new Map<string, Pushes>();
  /** Keys whose remote entry was refused (damaged): pushed again, over it, once trained here. */
  private readonly refused = new Set<string>();

  constructor(
    readonly entries: RemoteEntries,
    private readonly log: RemoteLog,
  ) {}

  get url(): string {
    return this.entries.url;
  }

  /** Installs the remote's complete entry of `key`: true when it did. A damaged or hostile one is
   *  warned about and the stage trains here instead; an unreachable remote is a JobError. */
  async pullEntry(store: StageStore, key: string, stage: string): Promise<boolean> {
    let got: Transferred | null;
    try {
      got = await this.entries.get(key, store);
    } catch (e) {
      if (!(e instanceof RemoteRefused)) throw e;
      this.refused.add(key);
      this.log.warn(`${e.message}; stage ${stage} trains here instead`);
      return false;
    }
    if (got !== null) this.log.say(`[${stage}] pulled from ${this.url} (key ${key.slice(0, 12)}): ${got.files} files, ${byteSize(got.bytes)}`);
    return got !== null;
  }

  /** Installs the remote's checkpoints of `key` into `entryDir` when they are further along than
   *  the local one (or there is none here), so the stage resumes where another machine stopped. */
  async pullCheckpoint(key: string, entryDir: string, stage: string): Promise<void> {
    try {
      const remote = await this.entries.checkpointProgress(key);
      if (remote === null) return;
      const local = readLocalCheckpoint(join(entryDir, 'checkpoint')) ?? readLocalCheckpoint(join(entryDir, 'checkpoint.old'));
      if (local !== null && local.progress.globalStep >= remote.globalStep) return;
      const got = await this.entries.getCheckpoints(key, entryDir);
      this.log.say(`[${stage}] pulled its checkpoint (epoch ${remote.epoch + 1}, step ${remote.step}) from ${this.url} (key ${key.slice(0, 12)}): ${got.files} files, ${byteSize(got.bytes)}`);
    } catch (e) {
      if (!(e instanceof RemoteRefused)) throw e;
      this.log.warn(`${e.message}; stage ${stage} goes on from this machine's own checkpoint, if any`);
    }
  }

  /** A checkpoint was just written to `dir` (`<entry>/checkpoint` or `<entry>/best`): push it in
   *  the background. Checkpoints written while a push runs are coalesced into the next one. */
  checkpointWritten(key: string, stage: string, dir: string): void {
    const slot = basename(dir);
    if (slot !== 'checkpoint' && slot !== 'best') return;
    let p = this.pushes.get(key);
    if (p === undefined) {
      p = { entryDir: dirname(dir), stage, dirty: new Set(), failed: new Map(), running: null };
      this.pushes.set(key, p);
    }
    p.dirty.add(slot);
    const pushes = p;
    p.running ??= this.drain(key, pushes).finally(() => (pushes.running = null));
  }

  /** The end of a stage's training: waits for its checkpoint pushes; after a stop, pushes the
   *  last checkpoint again if its push failed (a JobError when it fails again, naming the key and
   *  the file); after sealing, pushes the entry (unless the remote has it) and drops its
   *  checkpoints there. After a failure it only waits, and never throws. */
  async stageEnded(store: StageStore, key: string, stage: string, outcome: StageOutcome): Promise<void> {
    const p = this.pushes.get(key);
    while (p?.running) await p.running;
    this.pushes.delete(key);
    if (outcome === 'failed') return;
    if (outcome === 'interrupted') {
      for (const slot of p?.failed.keys() ?? []) await this.entries.putCheckpoint(key, p!.entryDir, slot);
      if (p?.failed.size) this.log.say(`[${stage}] pushed its checkpoint to ${this.url} (key ${key.slice(0, 12)})`);
      return;
    }
    await this.pushEntry(store, key, stage);
  }

  /** Pushes the complete local entry of `key` unless the remote has it already (a damaged one is
   *  replaced); true when it did. */
  async pushEntry(store: StageStore, key: string, stage: string): Promise<boolean> {
    if (!this.refused.has(key) && (await this.entries.has(key))) return false;
    const put = await this.entries.put(key, store);
    await this.entries.dropCheckpoints(key);
    this.log.say(`[${stage}] pushed to ${this.url} (key ${key.slice(0, 12)}): ${put.files} files, ${byteSize(put.bytes)}`);
    return true;
  }

  close(): void {
    this.entries.objects.close();
  }

  private async drain(key: string, p: Pushes): Promise<void> {
    while (p.dirty.size > 0) {
      const slots = [...p.dirty];
      p.dirty.clear();
      for (const slot of slots) {
        try {
          await this.entries.putCheckpoint(key, p.entryDir, slot);
          p.failed.delete(slot);
        } catch (e) {
          const error = e instanceof JobError ? e : new JobError(String(e));
          p.failed.set(slot, error);
          this.log.warn(`stage ${p.stage}: its ${slot} was not pushed: ${error.message}; trying again with the next one`);
        }
      }
    }
  }
}
