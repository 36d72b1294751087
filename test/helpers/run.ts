// Runs a pipeline through prepareRun + runPipeline as `pipe run` would, quietly, collecting the
// epochs (on the backend the test started).
import * as tf from '@tensorflow/tfjs';
import { StageStore } from '../../src/cache/store.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import type { ResolvedPipeline } from '../../src/config/types.js';
import { analyzeGraphs, type GraphPlan } from '../../src/graph/analyze.js';
import type { EpochRecord } from '../../src/train/loop.js';
import { prepareRun } from '../../src/train/prepare.js';
import { runPipeline, type RunEvents, type RunResult } from '../../src/train/run.js';

export interface TestRun {
  readonly result: RunResult;
  readonly records: readonly EpochRecord[];
  readonly warnings: readonly string[];
}

export interface TestRunOptions {
  readonly outputs: string;
  /** Training workers (default 1: on this thread). */
  readonly workers?: number;
  /** Data loader threads (default 0: on this thread). */
  readonly loaderWorkers?: number;
  readonly events?: Partial<RunEvents>;
  readonly resume?: string;
  readonly warmStart?: boolean;
  readonly shouldStop?: () => boolean;
  readonly stages?: readonly string[];
  readonly stopReason?: () => string | null;
  readonly onRunDir?: (dir: string) => void;
}

export async function runFile(file: string, o: TestRunOptions & { cwd: string; sets?: readonly string[] }): Promise<TestRun> {
  const { pipeline, locate } = await resolvePipeline(file, { cwd: o.cwd, sets: o.sets ?? [] });
  return runResolved(pipeline, analyzeGraphs(pipeline, locate), o);
}

export async function runResolved(pipeline: ResolvedPipeline, plan: GraphPlan, o: TestRunOptions): Promise<TestRun> {
  const records: EpochRecord[] = [];
  const warnings: string[] = [];
  const warn = (m: string) => void warnings.push(m);
  const store = StageStore.at(o.outputs, warn);
  const kind = tf.getBackend();
  const prepared = await prepareRun(pipeline, plan, { backend: kind, workers: o.workers ?? 1, store, stages: o.stages ?? [], resume: o.resume, warmStart: o.warmStart });
  const result = await runPipeline(pipeline, plan, {
    tf: async () => tf,
    backend: { kind, versions: {}, details: {} },
    outputs: o.outputs,
    store,
    keys: prepared.keys,
    warmStart: prepared.warmStart,
    resume: prepared.resume,
    warn,
    stages: o.stages ?? [],
    workers: o.workers ?? 1,
    loaderWorkers: o.loaderWorkers ?? 0,
    shouldStop: o.shouldStop ?? (() => false),
    ...(o.stopReason ? { stopReason: o.stopReason } : {}),
    ...(o.onRunDir ? { onRunDir: o.onRunDir } : {}),
    events: { stageStart: () => {}, stageEnd: () => {}, ...o.events, epoch: (r) => (records.push(r), o.events?.epoch?.(r)) },
  });
  return { result, records, warnings };
}
