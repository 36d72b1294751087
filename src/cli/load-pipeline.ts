// What every command that reads a pipeline does first: resolve it, then check its graphs.
import { resolvePipeline, type ResolvedSource } from '../config/resolve.js';
import { analyzeGraphs, type GraphPlan } from '../graph/analyze.js';

export interface CheckedPipeline extends ResolvedSource {
  readonly plan: GraphPlan;
}

export async function loadPipeline(file: string, cwd: string, sets: readonly string[]): Promise<CheckedPipeline> {
  const resolved = await resolvePipeline(file, { cwd, sets });
  return { ...resolved, plan: analyzeGraphs(resolved.pipeline, resolved.locate) };
}
