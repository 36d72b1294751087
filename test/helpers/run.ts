// Runs a pipeline file through runPipeline as `pipe run` would, quietly, collecting the epochs.
import * as tf from '@tensorflow/tfjs';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import type { EpochRecord } from '../../src/train/loop.js';
import { runPipeline, type RunEvents, type RunResult } from '../../src/train/run.js';

export interface TestRun {
  readonly result: RunResult;
  readonly records: readonly EpochRecord[];
}

export async function runFile(file: string, o: { cwd: string; outputs: string; sets?: readonly string[]; workers?: number; events?: Partial<RunEvents> }): Promise<TestRun> {
  const { pipeline, locate } = await resolvePipeline(file, { cwd: o.cwd, sets: o.sets ?? [] });
  const records: EpochRecord[] = [];
  const result = await runPipeline(pipeline, analyzeGraphs(pipeline, locate), {
    tf,
    backend: { kind: tf.getBackend(), versions: {}, details: {} },
    outputs: o.outputs,
    stages: [],
    workers: o.workers ?? 0,
    shouldStop: () => false,
    events: { stageStart: () => {}, epoch: (r) => records.push(r), stageEnd: () => {}, ...o.events },
  });
  return { result, records };
}
