// Timing a stage's training step as `pipe run` takes it (src/train/parallel: the model as the
// graph compiler builds it, the stage's loss and optimiser, N training workers) on a random
// batch: throughput does not depend on the pixels, and the data path is bench:data's. Each
// measurement belongs in a fresh process (a grown wasm heap slows what follows): runInChild runs
// the calling bench file again with `--child` and reads the JSON line it prints.
import { spawnSync } from 'node:child_process';
import { WASM_KINDS } from '../../src/backend/kinds.js';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { Rng } from '../../src/data/random.js';
import type { ResolvedPipeline, ResolvedStage } from '../../src/config/types.js';
import type { EpochBatch } from '../../src/data/loader.js';
import { analyzeGraphs, type GraphPlan } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { dropoutClock } from '../../src/graph/layers/index.js';
import { MetricAccumulator } from '../../src/train/metrics.js';
import { stageFootprint, WASM_HEAP_BYTES } from '../../src/train/budget.js';
import type { Tf } from '../../src/train/losses.js';
import { openTrainer } from '../../src/train/parallel/index.js';
import type { StageTrainer } from '../../src/train/parallel/stage-trainer.js';

export interface StepTiming {
  /** Wall seconds per timed step, and CPU seconds of the whole process (every thread). */
  readonly stepS: number[];
  readonly cpuS: number[];
  readonly batch: number;
  /** Trainable parameters of the model. */
  readonly parameters: number;
  /** The micro_batch the step ran with (null: the whole batch in one pass). */
  readonly microBatch: number | null;
}

export interface StepSetting {
  /** The pipeline file, relative to `cwd`, and the stage whose step is timed. */
  readonly file: string;
  readonly stage: string;
  readonly sets: readonly string[];
  readonly workers: number;
  readonly warmup: number;
  readonly steps: number;
  readonly backend: string;
  readonly cwd: string;
  /**
   * On a wasm backend, a batch whose pass outgrows the 4 GiB heap (depthwise convs train tap by
   * tap there, docs/zoo.md) is stepped in micro-batches of the most images that fit, with room to
   * spare, as `pipe run`'s refusal suggests; the timing is still that of the whole batch.
   */
  readonly fitHeap?: boolean;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A stage ready to step: its trainer (N workers) and one random batch of its size. */
export interface StageStep {
  readonly tf: Tf;
  readonly stage: ResolvedStage;
  readonly trainer: StageTrainer;
  readonly batch: EpochBatch;
  /** Trainable parameters of the model. */
  readonly parameters: number;
}

export type StageStepSetting = Omit<StepSetting, 'warmup' | 'steps'> & {
  /** Overrides the stage's micro_batch (after fitHeap). */
  readonly microBatch?: number;
};

/**
 * The setting's stage compiled as `pipe run` compiles it, its trainer opened, and a batch of
 * normal pixels and uniform labels (a reconstruct stage's target is its input). The caller closes
 * the trainer.
 */
export async function openStageStep(s: StageStepSetting): Promise<StageStep> {
  const { tf } = await initBackend({ backend: s.backend, env: {} });
  const { pipeline, locate } = await resolvePipeline(s.file, { cwd: s.cwd, sets: s.sets });
  if (!pipeline.stages[s.stage]) throw new Error(`${s.file} has no stage '${s.stage}' (it has ${Object.keys(pipeline.stages).join(', ')})`);
  const plan = analyzeGraphs(pipeline, locate);
  let stage = pipeline.stages[s.stage];
  if (s.fitHeap) stage = { ...stage, micro_batch: fittingMicroBatch(pipeline, plan, s.stage, s.workers, s.backend) };
  if (s.microBatch !== undefined) stage = { ...stage, micro_batch: s.microBatch };
  const model = compileGraphs(pipeline, plan).model(stage.model);
  const [h, w, c] = model.inputs[0].shape.slice(1) as number[];
  const classes = stage.kind === 'classify' ? (model.outputs[0].shape[1] as number) : 1;
  const n = stage.batch_size;
  const rng = Rng.from(0, `bench/step/${s.file}/${stage.model}`);
  const x = Float32Array.from({ length: n * h * w * c }, () => rng.normal());
  const batch: EpochBatch = {
    x,
    y: Int32Array.from({ length: n }, () => rng.int(classes)),
    target: stage.kind === 'reconstruct' ? x : null,
    shape: [n, h, w, c] as const,
    epoch: 0,
    step: 0,
  };
  const parameters = model.trainableWeights.reduce((a, v) => a + v.shape.reduce<number>((x, d) => x * (d ?? 1), 1), 0);
  const trainer = await openTrainer(tf, stage, model, s.workers);
  return { tf, stage, trainer, batch, parameters };
}

/** Steps of the setting's stage in this process. */
export async function timeSteps(s: StepSetting): Promise<StepTiming> {
  const { stage, trainer, batch, parameters } = await openStageStep(s);
  const acc = new MetricAccumulator();
  const [stepS, cpuS]: number[][] = [[], []];
  try {
    for (let i = 0; i < s.warmup + s.steps; i++) {
      dropoutClock.step = i;
      const [t, cpu] = [performance.now(), process.cpuUsage()];
      const loss = await trainer.step(batch, 0.01, acc);
      if (!Number.isFinite(loss)) throw new Error(`${s.file} ${stage.model}: the loss became ${loss}`);
      const used = process.cpuUsage(cpu);
      if (i >= s.warmup) [stepS[stepS.length], cpuS[cpuS.length]] = [(performance.now() - t) / 1000, (used.user + used.system) / 1e6];
    }
  } finally {
    await trainer.close();
  }
  return { stepS, cpuS, batch: batch.shape[0], parameters, microBatch: stage.micro_batch };
}

/** The most images per pass whose estimate fills at most 3/4 of a wasm heap's room (the estimate
 *  is a lower bound: budget.ts); null off wasm, where no heap bounds a pass. */
function imagesFittingHeap(p: ResolvedPipeline, plan: GraphPlan, name: string, workers: number, backend: string): { fit: number; perPass: number } | null {
  if (!(WASM_KINDS as readonly string[]).includes(backend)) return null;
  const f = stageFootprint(p, plan, name, workers, undefined, backend);
  const fit = Math.floor((0.75 * (WASM_HEAP_BYTES - f.modelBytes)) / f.activationBytesPerImage);
  if (fit < 1) throw new Error(`${p.stages[name].model}: not one image fits the wasm heap (${f.activationBytesPerImage} bytes per image)`);
  return { fit, perPass: f.imagesPerPass };
}

/** The stage's micro_batch, or on a wasm backend the most images per pass that fit (above) when the batch does not. */
export function fittingMicroBatch(p: ResolvedPipeline, plan: GraphPlan, name: string, workers: number, backend: string): number | null {
  const room = imagesFittingHeap(p, plan, name, workers, backend);
  return room === null || room.perPass <= room.fit ? p.stages[name].micro_batch : room.fit;
}

/**
 * How a stage's batch is split on `workers` (at least) so that each pass fits a wasm heap: a model
 * with BatchNorm gets more workers, each taking its part whole, so the statistics stay the whole
 * batch's (shared between them), as PyTorch computes them; any other the workers as they are and
 * micro_batch pieces, which give the same result with no more heaps.
 */
export function fittingSplit(p: ResolvedPipeline, plan: GraphPlan, name: string, workers: number, backend: string): { workers: number; micro_batch: number | null } {
  const room = imagesFittingHeap(p, plan, name, workers, backend);
  const stage = p.stages[name];
  if (room === null || room.perPass <= room.fit) return { workers, micro_batch: stage.micro_batch };
  const normalises = plan.models[stage.model].parts.some((part) => (plan.nodes[part] ?? []).some((n) => n.op === 'batchnorm'));
  if (!normalises || stage.micro_batch !== null) return { workers, micro_batch: room.fit };
  return { workers: Math.ceil(stage.batch_size / room.fit), micro_batch: null };
}

/** Runs `script` again in a fresh Node (tsx's loader flags come from process.execArgv) with `args`; its last stdout line, parsed. */
export function runInChild<T>(script: string, args: readonly string[]): T {
  const r = spawnSync(process.execPath, [...process.execArgv, script, ...args], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    // Its own last words (an error's first line, or a wasm abort), not node's command line.
    const why = (r.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => /error|abort|memory/i.test(l)).slice(0, 2).join(' / ') || `exit ${r.status ?? r.signal}`;
    throw new Error(why);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as T;
}
