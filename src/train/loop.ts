// One stage's training, top to bottom: per step, batch -> forward in training mode -> loss ->
// gradients -> optimiser update (weight decay is the optimiser's) -> schedule step; after each
// epoch, evaluation on the validation data, the schedule's epoch step and early stopping.
import type * as tfjs from '@tensorflow/tfjs';
import type { Metric, ResolvedStage } from '../config/types.js';
import { JobError } from '../errors.js';
import { dropoutClock } from '../graph/layers/index.js';
import { readCheckpoint, restoreWeights, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { evaluate } from './evaluate.js';
import type { Tf } from './losses.js';
import { MetricAccumulator, type EpochMetrics } from './metrics.js';
import { openTrainer } from './parallel/index.js';
import { createSchedule } from './schedules/index.js';
import type { StageData } from './stage-data.js';

export interface EpochRecord {
  readonly stage: string;
  readonly epoch: number;
  readonly epochs: number;
  /** The lr of the epoch's last step. */
  readonly lr: number;
  readonly train: EpochMetrics | null;
  readonly val: EpochMetrics | null;
  readonly imagesPerSecond: number;
  readonly seconds: number;
}

export interface StageProgress {
  onStep?(stage: string, epoch: number, step: number, steps: number, loss: number): void;
  onEpoch(record: EpochRecord): void;
  /** Asked between steps: true stops the stage after the current step (Ctrl-C). */
  shouldStop(): boolean;
  /** Stop (as interrupted, checkpointed) once this many epochs are done: a study's pruning rung.
   *  A stage resumed at or past it trains nothing. */
  readonly stopAfterEpoch?: number;
  /** A checkpoint was written whole to `dir` (StageFiles' checkpoint or best): a remote pushes it. */
  onCheckpoint?(dir: string): void;
}

export interface StageResult {
  readonly epochs: readonly EpochRecord[];
  readonly best: { readonly epoch: number; readonly metric: Metric; readonly value: number } | null;
  readonly stopped: 'completed' | 'early_stopping' | 'interrupted';
}

/** Where a stage keeps its checkpoints, and the one to resume from (null: start afresh). */
export interface StageFiles {
  /** The last checkpoint (epoch end, mid-epoch every checkpoint_every minutes, or where the run
   *  was stopped). */
  readonly checkpoint: string;
  /** The checkpoint of the best epoch by the stage's monitor (early_stopping's, else val top-1
   *  for a classifier, else val loss, else train loss); early stopping restores its weights. */
  readonly best: string;
  readonly resume: Checkpoint | null;
  /** Weights to start from instead of the model's initial ones (--warm-start). */
  readonly warmStart?: Checkpoint['weights'];
}

export async function trainStage(tf: Tf, name: string, stage: ResolvedStage, model: tfjs.LayersModel, data: StageData, progress: StageProgress, files: StageFiles, workers = 1): Promise<StageResult> {
  const epochs = stage.kind === 'evaluate' ? 1 : (stage.epochs as number);
  if (stage.kind === 'evaluate') {
    const val = await evaluate(tf, stage, model, data);
    const record: EpochRecord = { stage: name, epoch: 1, epochs: 1, lr: 0, train: null, val, imagesPerSecond: 0, seconds: 0 };
    progress.onEpoch(record);
    return { epochs: [record], best: null, stopped: 'completed' };
  }
  const train = data.train!;
  // One worker steps on this thread; more split every batch across worker threads (parallel/).
  const trainer = await openTrainer(tf, stage, model, workers);
  const optimizer = trainer.optimizer;
  const schedule = createSchedule(stage.schedule, { baseLr: stage.optimizer!.lr, stepsPerEpoch: train.stepsPerEpoch, where: `stages.${name}.schedule` });
  const watch = stage.early_stopping;
  const monitor = stageMonitor(stage, data);
  const resume = files.resume;
  if (files.warmStart && !resume) restoreWeights(model, files.warmStart, tf);
  if (resume) {
    restoreWeights(model, resume.weights, tf);
    optimizer.load(resume.optimizer);
    schedule.load(resume.state.schedule);
  }
  const records: EpochRecord[] = [...(resume?.state.records ?? [])];
  let best = resume?.state.best ?? null;
  let stopped: StageResult['stopped'] = 'completed';
  let globalStep = resume?.state.globalStep ?? 0;
  const save = async (epoch: number, step: number, acc: MetricAccumulator | null, dir = files.checkpoint) => {
    await trainer.sync();
    await writeCheckpoint(dir, model, optimizer, { epoch, step, globalStep, records, best, accumulator: acc?.state() ?? null, schedule: schedule.state() }, tf);
    progress.onCheckpoint?.(dir);
  };
  const everyMs = stage.checkpoint_every * 60_000;
  let lastSave = performance.now();
  // Where the stage is, for an error that ends it: epoch and step, 0-based.
  const at = { epoch: resume?.state.epoch ?? 0, step: 0 };
  try {
    for (let epoch = resume?.state.epoch ?? 0; epoch < epochs && stopped === 'completed'; epoch++) {
      if (progress.stopAfterEpoch !== undefined && epoch >= progress.stopAfterEpoch) {
        stopped = 'interrupted';
        break;
      }
      const started = performance.now();
      const fromStep = resume && epoch === resume.state.epoch ? resume.state.step : 0;
      const acc = resume?.state.accumulator && epoch === resume.state.epoch ? MetricAccumulator.from(resume.state.accumulator) : new MetricAccumulator();
      let lr = schedule.lr();
      for await (const batch of train.epoch(epoch, fromStep)) {
        [at.epoch, at.step] = [epoch, batch.step];
        lr = schedule.lr();
        dropoutClock.step = globalStep;
        const loss = await trainer.step(batch, lr, acc);
        if (!Number.isFinite(loss)) {
          throw new JobError(`stage '${name}': the loss became ${loss} at epoch ${epoch + 1}, step ${batch.step + 1} (lr ${lr})`, `lower the lr or check the data; the last good checkpoint (${records.length} epochs) is in ${files.checkpoint}`);
        }
        schedule.afterBatch();
        globalStep++;
        progress.onStep?.(name, epoch, batch.step, train.stepsPerEpoch, loss);
        // Batches assembled on this thread arrive as microtasks, which never let the event loop
        // run: without this, Ctrl-C (a signal event) and the terminal view's timers would wait
        // for the whole stage.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (progress.shouldStop()) {
          // Stopped mid-epoch: keep the part-epoch's state; the epoch is finished on resume.
          await save(epoch, batch.step + 1, acc);
          stopped = 'interrupted';
          break;
        }
        if (performance.now() - lastSave >= everyMs && batch.step + 1 < train.stepsPerEpoch) {
          await save(epoch, batch.step + 1, acc);
          lastSave = performance.now();
        }
      }
      if (stopped === 'interrupted') break;
      const trainMetrics = acc.result();
      // With workers, the model takes their weights here (and the optimiser its state at a save).
      await trainer.sync();
      const val = await evaluate(tf, stage, model, data, Infinity, trainer);
      const seconds = (performance.now() - started) / 1000;
      const record: EpochRecord = { stage: name, epoch: epoch + 1, epochs, lr, train: trainMetrics, val, imagesPerSecond: trainMetrics.images / seconds, seconds };
      records.push(record);
      progress.onEpoch(record);
      const metrics = metricValues(record);
      schedule.afterEpoch(metrics);
      const value = metrics[monitor.metric];
      if (value === undefined && watch) throw new JobError(`stage '${name}': early_stopping watches ${monitor.metric}, which this stage does not measure`);
      const better = value !== undefined && (best === null || (monitor.mode === 'min' ? value < best.value - monitor.min_delta : value > best.value + monitor.min_delta));
      if (better) best = { epoch: epoch + 1, value: value! };
      else if (watch && epoch + 1 - best!.epoch > watch.patience) stopped = 'early_stopping';
      await save(epoch + 1, 0, null);
      if (better) await save(epoch + 1, 0, null, files.best);
      lastSave = performance.now();
    }
    await trainer.sync();
    if (stopped === 'early_stopping' && watch?.restore_best) {
      const kept = readCheckpoint(files.best);
      if (!kept) throw new JobError(`stage '${name}': the best epoch's checkpoint ${files.best} is missing`);
      restoreWeights(model, kept.weights, tf);
    }
  } catch (e) {
    throw outOfMemory(e, name, stage, workers, files.checkpoint, at) ?? e;
  } finally {
    await trainer.close();
  }
  return { epochs: records, best: best && { epoch: best.epoch, metric: monitor.metric, value: best.value }, stopped };
}

/**
 * The wasm backend's heap is capped at 4 GiB; when a step needs more, its module aborts with a
 * bare "Aborted()" or fails to grow its memory, or, where a failed allocation went unnoticed,
 * traps (a WebAssembly.RuntimeError: "memory access out of bounds", "table index is out of
 * bounds"), on this thread or in a worker (whose error arrives as its message). Said as what it
 * is, where, with what lowers it.
 */
export function outOfMemory(e: unknown, name: string, stage: ResolvedStage, workers: number, checkpoint: string, at?: { readonly epoch: number; readonly step: number }): JobError | null {
  const message = e instanceof Error ? e.message : String(e);
  // A worker's error arrives as a plain Error whose stack keeps the trap's name.
  const trap = e instanceof WebAssembly.RuntimeError || (e instanceof Error && /^RuntimeError: /.test(e.stack ?? ''));
  // A view of the heap that cannot be made (tfjs-backend-wasm's typedArrayFromHeap: "Invalid
  // typed array length") is the same exhaustion seen from JavaScript: zoo models of 130-144 M
  // parameters end this way or with a trap, model for model (docs/zoo.md).
  if (!trap && !/\bAborted\(|Cannot enlarge memory|Out of memory|Invalid typed array length/i.test(message)) return null;
  const part = Math.ceil(stage.batch_size / workers);
  const held = stage.micro_batch === null ? part : Math.min(part, stage.micro_batch);
  const where = at === undefined ? '' : ` at epoch ${at.epoch + 1}, step ${at.step + 1}`;
  return new JobError(
    `stage '${name}': the wasm heap (4 GiB) ran out${where} with ${held} images per forward and backward pass (batch_size ${stage.batch_size} over ${workers} worker${workers > 1 ? 's' : ''}${stage.micro_batch === null ? '' : `, micro_batch ${stage.micro_batch}`})`,
    `set stages.${name}.micro_batch below ${held} (the same result, except that BatchNorm normalises each piece on its own), or more workers where the machine's memory allows (each takes its part of the batch on its own heap, and BatchNorm still normalises by the whole batch), or lower batch_size; the last good checkpoint is in ${checkpoint}`,
  );
}

/** What "best" means for a stage: early_stopping's monitor, else the natural one of its data. */
function stageMonitor(stage: ResolvedStage, data: StageData): { metric: Metric; mode: 'min' | 'max'; min_delta: number } {
  const w = stage.early_stopping;
  if (w) return { metric: w.monitor, mode: w.mode, min_delta: w.min_delta };
  if (data.val && stage.kind === 'classify') return { metric: 'val_top1', mode: 'max', min_delta: 0 };
  return { metric: data.val ? 'val_loss' : 'train_loss', mode: 'min', min_delta: 0 };
}

export function metricValues(r: EpochRecord): Partial<Record<Metric, number>> {
  const m: Partial<Record<Metric, number>> = {};
  if (r.train) m.train_loss = r.train.loss;
  if (r.train?.top1 != null) m.train_top1 = r.train.top1;
  if (r.val) m.val_loss = r.val.loss;
  if (r.val?.top1 != null) m.val_top1 = r.val.top1;
  if (r.val?.top5 != null) m.val_top5 = r.val.top5;
  return m;
}
