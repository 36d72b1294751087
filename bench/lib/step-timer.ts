// Timing a stage's training step as `pipe run` takes it (src/train/parallel: the model as the
// graph compiler builds it, the stage's loss and optimiser, N training workers) on a random
// batch: throughput does not depend on the pixels, and the data path is bench:data's. Each
// measurement belongs in a fresh process (a grown wasm heap slows what follows): runInChild runs
// the calling bench file again with `--child` and reads the JSON line it prints.
import { execFileSync } from 'node:child_process';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { Rng } from '../../src/data/random.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { dropoutClock } from '../../src/graph/layers/index.js';
import { MetricAccumulator } from '../../src/train/metrics.js';
import { openTrainer } from '../../src/train/parallel/index.js';

export interface StepTiming {
  /** Wall seconds per timed step, and CPU seconds of the whole process (every thread). */
  readonly stepS: number[];
  readonly cpuS: number[];
  readonly batch: number;
  /** Trainable parameters of the model. */
  readonly parameters: number;
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
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Steps of the setting's stage in this process. */
export async function timeSteps(s: StepSetting): Promise<StepTiming> {
  const { tf } = await initBackend({ backend: s.backend, env: {} });
  const { pipeline, locate } = await resolvePipeline(s.file, { cwd: s.cwd, sets: s.sets });
  const stage = pipeline.stages[s.stage];
  const model = compileGraphs(pipeline, analyzeGraphs(pipeline, locate)).model(stage.model);
  const [h, w, c] = model.inputs[0].shape.slice(1) as number[];
  const classes = model.outputs[0].shape[1] as number;
  const n = stage.batch_size;
  const rng = Rng.from(0, `bench/step/${s.file}/${stage.model}`);
  const batch = {
    x: Float32Array.from({ length: n * h * w * c }, () => rng.normal()),
    y: Int32Array.from({ length: n }, () => rng.int(classes)),
    target: null,
    shape: [n, h, w, c] as const,
    epoch: 0,
    step: 0,
  };
  const parameters = model.trainableWeights.reduce((a, v) => a + v.shape.reduce<number>((x, d) => x * (d ?? 1), 1), 0);
  const trainer = await openTrainer(tf, stage, model, s.workers);
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
  return { stepS, cpuS, batch: n, parameters };
}

/** Runs `script` again in a fresh Node (tsx's loader flags come from process.execArgv) with `args`; its last stdout line, parsed. */
export function runInChild<T>(script: string, args: readonly string[]): T {
  const out = execFileSync(process.execPath, [...process.execArgv, script, ...args], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.trim().split('\n').pop() as string) as T;
}
