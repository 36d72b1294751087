// One seed stage end to end, as `pipe run` takes it (bench:seed's child; bench/seed.ts runs it in
// a fresh process per stage): the pipeline's data read from a tree into an empty decode cache
// (the first run's cost), the stage's loaders with their augmentation workers, the model as the
// graph compiler builds it, the real trainer (openTrainer) with the pipeline's training workers,
// then one full validation pass with the loop's own evaluate. Nothing is random-batched: every
// step waits for the loader's real batches, so the step's img/s includes the data path.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { defaultLoaderWorkers, type BatchLoader, type EpochBatch } from '../../src/data/loader.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { dropoutClock } from '../../src/graph/layers/index.js';
import { checkBudget } from '../../src/train/budget.js';
import { evaluate } from '../../src/train/evaluate.js';
import { MetricAccumulator } from '../../src/train/metrics.js';
import { openTrainer } from '../../src/train/parallel/index.js';
import { chooseTrainWorkers } from '../../src/train/parallel/workers.js';
import { openStageData } from '../../src/train/stage-data.js';
import { fittingSplit } from './step-timer.js';

/** What either side reports for one stage (bench/reference/seed_pipeline.py prints the same keys). */
export interface SeedMeasure {
  readonly pipeline: string;
  readonly stage: string;
  readonly batch: number;
  readonly parameters: number;
  /** Ours: training workers; the peer: torch's intra-op threads. */
  readonly threads: number;
  readonly loader_workers: number;
  readonly engine: string;
  /** Ours: the micro_batch the step ran with (null: the whole share in one pass). */
  readonly micro_batch?: number | null;
  /** The first run's decode (an empty cache): hashing, decoding, storing, opening the loaders. Null for the peer. */
  readonly decode_s: number | null;
  readonly cache_mb: number | null;
  /** Batches assembled (augmentation included), nothing stepped. */
  readonly data_img_s: number;
  /** Training steps timed end to end, waiting for the loader's batches included. */
  readonly step_img_s: number;
  readonly steps: number;
  /** One validation pass (the whole split, or its first valBatches batches); null for a stage without val. */
  readonly val_s: number | null;
  /** The images that pass evaluated. */
  readonly val_images: number | null;
  /** Items per epoch of the stage's train selection, and images in the train split. */
  readonly train_items: number;
  readonly train_split_images: number;
  readonly peak_rss_mb: number;
  /** The peer: its largest DataLoader worker's own peak (forked: it shares the parent's pages). */
  readonly worker_rss_mb?: number;
}

export interface SeedSetting {
  /** The pipeline file's path and the stage to run. */
  readonly file: string;
  readonly stage: string;
  /** A Tiny ImageNet tree (absolute). */
  readonly data: string;
  readonly warmup: number;
  readonly steps: number;
  /** Time the val pass over its first N batches only (the projection scales it to 10,000 images). */
  readonly valBatches?: number;
  readonly backend?: string;
}

export async function measureSeedStage(s: SeedSetting): Promise<SeedMeasure> {
  const { tf, kind } = await initBackend({ backend: s.backend, env: {} });
  const { pipeline, locate } = await resolvePipeline(s.file, { cwd: process.cwd(), sets: [`dataset.root=${s.data}`] });
  const plan = analyzeGraphs(pipeline, locate);
  if (!pipeline.stages[s.stage]) throw new Error(`${s.file} has no stage '${s.stage}' (it has ${Object.keys(pipeline.stages).join(', ')})`);
  // The pipeline's own workers default (one per core on wasm); a share that outgrows the wasm
  // heap is split further, as the densenet header advises and `pipe run`'s refusal says: over
  // more workers where BatchNorm's statistics must stay the batch's, else in micro-batches.
  const split = fittingSplit(pipeline, plan, s.stage, chooseTrainWorkers(undefined, pipeline.workers, kind).workers, kind);
  const workers = split.workers;
  const stage = { ...pipeline.stages[s.stage], micro_batch: split.micro_batch };
  const p = { ...pipeline, stages: { ...pipeline.stages, [s.stage]: stage } };
  const model = compileGraphs(p, plan).model(stage.model);
  for (const frozen of stage.freeze) for (const layer of model.layers) if (plan.models[frozen].parts.some((g) => layer.name.startsWith(`${g}/`))) layer.trainable = false;

  const scratch = mkdtempSync(join(tmpdir(), 'pipe-seed-'));
  const cacheDir = join(scratch, 'data');
  const splits = new Map();
  const loaderWorkers = defaultLoaderWorkers();
  let t = performance.now();
  const data = await openStageData(p, s.stage, stage, { cacheDir, hashDir: join(scratch, 'hashes'), workers: loaderWorkers, splits });
  const decodeS = (performance.now() - t) / 1000;
  try {
    checkBudget(p, plan, [s.stage], { backend: kind, workers, images: Object.fromEntries([...splits].map(([k, v]) => [k, v.count])) });
    const train = data.train;
    if (!train) throw new Error(`stage '${s.stage}' trains on nothing`);
    const batches = endless(train);
    const dataImgS = await imagesPerSecond(batches, s.warmup, s.steps, async () => undefined);

    const trainer = await openTrainer(tf, stage, model, workers);
    let stepImgS: number;
    let valS: number | null = null;
    let valImages: number | null = null;
    try {
      const acc = new MetricAccumulator();
      const lr = stage.optimizer!.lr;
      let i = 0;
      stepImgS = await imagesPerSecond(batches, s.warmup, s.steps, async (batch) => {
        dropoutClock.step = i++;
        const loss = await trainer.step(batch, lr, acc);
        if (!Number.isFinite(loss)) throw new Error(`${s.file} ${s.stage}: the loss became ${loss}`);
        // As the loop does: let the event loop run between steps (loader replies, timers).
        await new Promise<void>((resolve) => setImmediate(resolve));
      });
      await trainer.sync();
      if (data.val) {
        t = performance.now();
        const val = await evaluate(tf, stage, model, data, s.valBatches ?? Infinity, trainer);
        valS = (performance.now() - t) / 1000;
        valImages = val?.images ?? null;
      }
    } finally {
      await trainer.close();
    }
    return {
      pipeline: p.name,
      stage: s.stage,
      batch: stage.batch_size,
      parameters: plan.models[stage.model].trainable,
      threads: workers,
      loader_workers: loaderWorkers,
      engine: kind,
      micro_batch: stage.micro_batch,
      decode_s: decodeS,
      cache_mb: folderBytes(cacheDir) / 2 ** 20,
      data_img_s: dataImgS,
      step_img_s: stepImgS,
      steps: s.steps,
      val_s: valS,
      val_images: valImages,
      train_items: train.size,
      train_split_images: splits.get('train')?.count ?? train.size,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await data.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The loader's batches epoch after epoch: a tiny tree has fewer steps per epoch than a timing needs. */
async function* endless(loader: BatchLoader): AsyncGenerator<EpochBatch> {
  for (let epoch = 0; ; epoch++) yield* loader.epoch(epoch);
}

/** Images per second over `steps` batches after `warmup`, each handed to `use`, wall time end to end. */
async function imagesPerSecond(batches: AsyncGenerator<EpochBatch>, warmup: number, steps: number, use: (b: EpochBatch) => Promise<void>): Promise<number> {
  let [t, images] = [performance.now(), 0];
  for (let i = 0; i < warmup + steps; i++) {
    if (i === warmup) [t, images] = [performance.now(), 0];
    const { value, done } = await batches.next();
    if (done) throw new Error('the loader ran dry');
    await use(value);
    images += value.shape[0];
  }
  return images / ((performance.now() - t) / 1000);
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}
