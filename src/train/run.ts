// Runs a pipeline's stages in order. Each stage is looked up in the stage store by its content
// key: a complete entry is reused as it is; otherwise the stage trains in its entry's folder
// (resuming from the entry's checkpoint when one is there, so an interrupted stage continues
// wherever it is run again), its results are sealed into the entry, and copied to the run folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedPipeline, SplitName } from '../config/types.js';
import type { StageKey } from '../cache/key.js';
import { acquireLock } from '../cache/lock.js';
import type { StageStore } from '../cache/store.js';
import type { StageRemote } from '../remote/index.js';
import type { SkippedImage } from '../data/decode.js';
import { hashCacheIn } from '../data/file-hashes.js';
import type { ImageSet } from '../data/load-split.js';
import { selectionSources } from '../data/spec.js';
import type { GraphPlan } from '../graph/analyze.js';
import { CorruptCheckpoint, readCheckpoint, type Checkpoint } from './checkpoint.js';
import type { Tf } from './losses.js';
import type { EpochRecord, StageResult } from './loop.js';
import { predict } from './predict.js';
import type { Provenance } from './provenance.js';
import { copyStage, discardIfEmpty, openRunDir, recordBackend, stagesToRun, writeMetrics, writeSkipped, writeSummary, type RunInfo } from './run-dir.js';
import { failureReason, recordStatus } from './run-status.js';
import { openStageData } from './stage-data.js';
import { summaryRow, type SummaryRow } from './summary.js';
import { initLayers, readWeights, saveModel } from './weights.js';

export { stagesToRun } from './run-dir.js';

export interface RunOptions {
  /** Starts the backend, the first time a stage must train: a run whose stages are all in the
   *  store never loads tfjs (tfjs and the graph compiler are imported on that first call too). */
  readonly tf: () => Promise<Tf>;
  /** The started backend's kind, versions and details, once tf() has been called. */
  readonly describeBackend?: () => RunInfo['backend'];
  /** What makes this run, recorded beside its results. */
  readonly backend: RunInfo['backend'];
  /** outputs/ of this project. */
  readonly outputs: string;
  readonly store: StageStore;
  /** Every stage's content key (cache/key.ts), computed for this backend. */
  readonly keys: Readonly<Record<string, StageKey>>;
  /** Only these stages (and what they need); all when empty. */
  readonly stages: readonly string[];
  /** Training workers: 1 trains on this thread; N > 1 splits every batch across N worker
   *  threads, each with its own backend (src/train/parallel). */
  readonly workers: number;
  /** Data loader threads (0: batches are assembled on the training thread). */
  readonly loaderWorkers: number;
  readonly events: RunEvents;
  readonly shouldStop: () => boolean;
  readonly now?: () => Date;
  /** A run folder to continue in (its stages' keys were checked by the caller). */
  readonly resume?: string;
  /** Stage -> weights to start from instead of its initial ones (--warm-start). */
  readonly warmStart?: Readonly<Record<string, Checkpoint['weights']>>;
  /** Wait for another process training the same stage instead of stopping. */
  readonly wait?: boolean;
  readonly warn: (message: string) => void;
  /** A shared store (--remote): complete entries are pulled instead of trained, checkpoints are
   *  pushed as they are written and pulled to resume, sealed entries are pushed (src/remote). */
  readonly remote?: StageRemote;
  /** Where the run came from, for run.json (provenance.ts). */
  readonly provenance?: Provenance;
  /** Why shouldStop() said stop (e.g. `received SIGTERM`), for run.json's `stopped` status. */
  readonly stopReason?: () => string | null;
  /** The run folder, once it is open (the CLI starts run.log there). */
  readonly onRunDir?: (dir: string) => void;
}

export interface RunEvents {
  stageStart(stage: string, info: { model: string; parameters: number; epochs: number; trainImages: number; stepsPerEpoch: number }): void;
  /** The stage's model, initialised (and `init` applied), before its first step. */
  stageReady?(stage: string, model: import('@tensorflow/tfjs').LayersModel): void;
  /** Training continues from a checkpoint: at `epoch` (0-based), step `step` of it. */
  stageResumed?(stage: string, from: { epoch: number; step: number; checkpoint: string }): void;
  /** Decoding progress: `done` of `total` files, `skipped` of them left out (on_bad_image: skip). */
  decode?(split: SplitName, done: number, total: number, skipped?: number): void;
  /** A split was loaded with files left out (on_bad_image: skip), decoded now or from the cache;
   *  runPipeline also lists them in the run folder's skipped.json. */
  skipped?(split: SplitName, files: readonly SkippedImage[], listed: number): void;
  step?(stage: string, epoch: number, step: number, steps: number, loss: number): void;
  epoch(record: EpochRecord): void;
  stageEnd(stage: string, result: StageResult, dir: string): void;
  /** A stage found complete in the store: its results are reused, nothing trains. */
  stageReused?(stage: string, key: string, dir: string): void;
}

export interface RunResult {
  readonly dir: string;
  readonly rows: readonly SummaryRow[];
  readonly interrupted: boolean;
  /** Stages reused from the store. */
  readonly reused: readonly string[];
}

export async function runPipeline(p: ResolvedPipeline, plan: GraphPlan, o: RunOptions): Promise<RunResult> {
  const order = stagesToRun(p, o.stages);
  const info: RunInfo = { pipeline: p.name, stages: order, backend: o.backend, workers: o.workers, loaderWorkers: o.loaderWorkers, ...(o.provenance ? { provenance: o.provenance } : {}) };
  const dir = await openRunDir(p, o.keys, info, { outputs: o.outputs, now: (o.now ?? (() => new Date()))(), resume: o.resume });
  o.onRunDir?.(dir);
  // run.json says `running` until the end below. A process.exit on the way (a second Ctrl-C)
  // still records `stopped`; a kill -9 cannot, and src/runs/status.ts reads its dead pid instead.
  const ended = () => new Date().toISOString();
  const onExit = (code: number) => tryRecord(() => recordStatus(dir, { state: 'stopped', ended: ended(), reason: `${o.stopReason?.() ?? 'the process exited'} (exit code ${code}) before the run ended` }));
  process.once('exit', onExit);
  // The backend starts with the first stage that trains (if any): its versions go into run.json
  // then, once.
  let backendRecorded = false;
  const tf = async () => {
    const started = await o.tf();
    if (!backendRecorded && o.describeBackend) recordBackend(dir, o.describeBackend());
    backendRecorded = true;
    return started;
  };
  const splits = new Map<SplitName, ImageSet>();
  const rows: SummaryRow[] = [];
  const reused: string[] = [];
  const records: EpochRecord[] = [];
  const reuse = (name: string, key: string, model: string, parameters: number) => {
    const result = copyStage(o.store.dir(key), dir, name);
    records.push(...result.epochs);
    writeMetrics(dir, records);
    rows.push(summaryRow(name, model, parameters, result));
    reused.push(name);
    o.events.stageReused?.(name, key, join(dir, name));
  };
  const events: RunEvents = {
    ...o.events,
    skipped: (split, files, listed) => {
      writeSkipped(dir, split, files);
      o.events.skipped?.(split, files, listed);
    },
  };
  let interrupted: boolean;
  try {
    interrupted = await runStages();
    writeSummary(dir, rows);
  } catch (e) {
    process.off('exit', onExit);
    tryRecord(() => recordStatus(dir, { state: 'failed', ended: ended(), reason: failureReason(e) }));
    // A run refused before any stage trained an epoch leaves no run folder behind.
    if (!o.resume) discardIfEmpty(dir);
    throw e;
  }
  process.off('exit', onExit);
  recordStatus(dir, interrupted ? { state: 'stopped', ended: ended(), reason: o.stopReason?.() ?? 'stopped' } : { state: 'done', ended: ended() });
  return { dir, rows, interrupted, reused };

  async function runStages(): Promise<boolean> {
    for (const name of order) {
      const stage = p.stages[name];
      const { key } = o.keys[name];
      const parameters = plan.models[stage.model].trainable;
      const before = records.length;
      const progress = (stageRecords: readonly EpochRecord[]) => {
        records.length = before;
        records.push(...stageRecords);
        writeMetrics(dir, records);
      };
      // Runs while the stage's model still exists, so stageEnd listeners can look at it.
      const finish = (result: StageResult, entry: string) => {
        if (result.stopped === 'interrupted') return o.events.stageEnd(name, result, entry);
        copyStage(entry, dir, name);
        o.events.stageEnd(name, result, join(dir, name));
      };
      const result = await trainToStore(p, plan, name, { ...o, tf, events }, splits, progress, finish);
      if (result === null) {
        reuse(name, key, stage.model, parameters);
        continue;
      }
      rows.push(summaryRow(name, stage.model, parameters, result));
      if (result.stopped === 'interrupted') return true;
    }
    return false;
  }
}

/** A status written on the way out (a failure, an exit) must not hide the error that caused it. */
function tryRecord(write: () => void): void {
  try {
    write();
  } catch {
    // the run folder is gone or unwritable: the error on its way says more
  }
}

/** The options a single stage's training reads (a study's job process gives only these). */
export type StageTrainOptions = Pick<RunOptions, 'tf' | 'outputs' | 'store' | 'keys' | 'workers' | 'loaderWorkers' | 'events' | 'shouldStop' | 'warmStart' | 'wait' | 'warn' | 'remote'> & {
  /** Stop, checkpointed, once this many epochs are done (a study's pruning rung). */
  readonly stopAfterEpoch?: number;
};

/**
 * Trains stage `name` into its store entry, under the entry's lock: null when the entry is (or,
 * once the lock is had, has become) complete. A stage that finishes is sealed before `finish`
 * sees it; an interrupted one keeps its checkpoint in the entry. `progress` gets the stage's
 * epochs so far after each one (a resumed checkpoint's included). Its needs must be complete.
 */
export async function trainToStore(
  p: ResolvedPipeline,
  plan: GraphPlan,
  name: string,
  o: StageTrainOptions,
  splits: Map<SplitName, ImageSet> = new Map(),
  progress: (records: readonly EpochRecord[]) => void = () => {},
  finish: (result: StageResult, entry: string) => void = () => {},
): Promise<StageResult | null> {
  const { key, input } = o.keys[name];
  if (o.store.complete(key)) return null;
  const lock = await acquireLock(o.store.lockPath(key), { what: `${p.name}, stage ${name}`, wait: o.wait, onWait: (h) => o.warn(`stage ${name}: waiting for pid ${h.pid}, which is training it`) });
  try {
    // Whoever held the lock may have finished this very stage.
    if (o.store.complete(key)) return null;
    // Or another machine did: its entry is pulled instead of training.
    if (o.remote && (await o.remote.pullEntry(o.store, key, name))) return null;
    const entry = o.store.begin(key, { pipeline: p.name, stage: name, input });
    // A stage stopped on another machine resumes from the checkpoint that machine pushed.
    await o.remote?.pullCheckpoint(key, entry, name);
    let result: StageResult | null = null;
    try {
      result = await trainInEntry(p, plan, name, entry, o, splits, progress, (r) => {
        if (r.stopped !== 'interrupted') o.store.seal(key, { pipeline: p.name, stage: name, input });
        finish(r, entry);
      });
    } finally {
      // The checkpoint pushes end (a stop's last one is on the remote before the process exits),
      // and a sealed entry is pushed whole.
      await o.remote?.stageEnded(o.store, key, name, result === null ? 'failed' : result.stopped === 'interrupted' ? 'interrupted' : 'sealed');
    }
    return result;
  } finally {
    lock.release();
  }
}

/** Trains one stage in its store entry; `progress` gets the stage's epochs so far after each one
 *  (those of a resumed checkpoint included), `finish` the result before the model is disposed. */
async function trainInEntry(p: ResolvedPipeline, plan: GraphPlan, name: string, entry: string, o: StageTrainOptions, splits: Map<SplitName, ImageSet>, progress: (records: readonly EpochRecord[]) => void, finish: (result: StageResult) => void): Promise<StageResult> {
  const stage = p.stages[name];
  const tf = await o.tf();
  const { compileGraphs } = await import('../graph/compile.js');
  const { trainStage } = await import('./loop.js');
  const graphs = compileGraphs(p, plan);
  const model = graphs.model(stage.model);
  try {
    for (const [initModel, from] of Object.entries(stage.init)) {
      initLayers(model, plan.models[initModel].parts, readWeights(o.store.dir(o.keys[from].key)), `stages.${name}.init.${initModel}`, from, tf);
    }
    for (const frozen of stage.freeze) for (const layer of model.layers) if (plan.models[frozen].parts.some((g) => layer.name.startsWith(`${g}/`))) layer.trainable = false;
    const loaded = new Set(splits.keys());
    const data = await openStageData(p, name, stage, { cacheDir: join(o.outputs, 'cache', 'data'), hashDir: hashCacheIn(o.outputs), workers: o.loaderWorkers, splits, onDecode: o.events.decode });
    for (const [split, set] of splits) if (!loaded.has(split) && set.skipped.length > 0) o.events.skipped?.(split, set.skipped, set.count + set.skipped.length);
    // The entry keeps the skipped files of the splits the stage reads: a run reusing it copies them.
    for (const split of stageSplits(stage)) if (splits.get(split)?.skipped.length) writeSkipped(entry, split, splits.get(split)!.skipped);
    try {
      o.events.stageStart(name, { model: stage.model, parameters: plan.models[stage.model].trainable, epochs: stage.epochs ?? 1, trainImages: data.train?.size ?? 0, stepsPerEpoch: data.train?.stepsPerEpoch ?? 0 });
      o.events.stageReady?.(name, model);
      const files = { checkpoint: join(entry, 'checkpoint'), best: join(entry, 'best') };
      const resume = resumePoint(files, name, o.warn);
      const stageRecords: EpochRecord[] = [...(resume?.checkpoint.state.records ?? [])];
      if (resume) {
        progress(stageRecords);
        o.events.stageResumed?.(name, { epoch: resume.checkpoint.state.epoch, step: resume.checkpoint.state.step, checkpoint: resume.dir });
      }
      const result = await trainStage(tf, name, stage, model, data, {
        onStep: o.events.step,
        onEpoch: (r) => {
          stageRecords.push(r);
          progress(stageRecords);
          o.events.epoch(r);
        },
        shouldStop: o.shouldStop,
        stopAfterEpoch: o.stopAfterEpoch,
        onCheckpoint: o.remote && ((dir) => o.remote!.checkpointWritten(o.keys[name].key, name, dir)),
      }, { ...files, resume: resume?.checkpoint ?? null, warmStart: o.warmStart?.[name] }, o.workers);
      if (result.stopped === 'interrupted') {
        finish(result);
        return result;
      }
      await saveModel(model, entry, tf);
      if (stage.kind === 'classify' && data.val && data.valItems) {
        writeFileSync(join(entry, 'predictions.json'), JSON.stringify(await predict(tf, model, data.val, data.valItems)));
      }
      writeFileSync(join(entry, 'metrics.jsonl'), result.epochs.map((r) => JSON.stringify(r) + '\n').join(''));
      writeFileSync(join(entry, 'result.json'), JSON.stringify(result));
      finish(result);
      return result;
    } finally {
      await data.close();
    }
  } finally {
    model.dispose();
  }
}

/** The splits a stage reads. */
function stageSplits(stage: ResolvedPipeline['stages'][string]): Set<SplitName> {
  const selections = [stage.kind === 'evaluate' ? undefined : stage.train, stage.val];
  return new Set(selections.flatMap((sel) => (sel ? selectionSources(sel).map((s) => s.split) : [])));
}

/** The checkpoint to continue from: the last one, else (damaged) the best one, else none. Every
 *  damaged checkpoint is reported; resuming from an earlier one still gives the same result, as
 *  the run from there is deterministic. */
function resumePoint(files: { checkpoint: string; best: string }, stage: string, warn: (m: string) => void): { checkpoint: Checkpoint; dir: string } | null {
  for (const dir of [files.checkpoint, files.best]) {
    try {
      const checkpoint = readCheckpoint(dir);
      if (checkpoint) return { checkpoint, dir };
    } catch (e) {
      if (!(e instanceof CorruptCheckpoint)) throw e;
      warn(`stage ${stage}: checkpoint not used: ${e.message}`);
    }
  }
  return null;
}
