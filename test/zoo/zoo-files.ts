// The zoo's pipelines (pipelines/zoo/*.yaml) and the models each defines, found by name.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs, type GraphPlan } from '../../src/graph/analyze.js';
import type { ResolvedPipeline } from '../../src/config/types.js';
import { REPO } from '../helpers/cli.js';

export const ZOO_DIR = join(REPO, 'pipelines', 'zoo');

/** Model name -> the zoo file that defines it (read as plain YAML: only the names are needed). */
export function zooModels(): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(ZOO_DIR).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const doc = parse(readFileSync(join(ZOO_DIR, f), 'utf8')) as { models?: Record<string, unknown> } | null;
    for (const m of Object.keys(doc?.models ?? {})) if (!out.has(m)) out.set(m, join(ZOO_DIR, f));
  }
  return out;
}

/** A model's pipeline resolved and planned, its input set to size x size (and more --set). */
export async function planAt(file: string, model: string, size: number, sets: readonly string[] = []): Promise<{ pipeline: ResolvedPipeline; plan: GraphPlan }> {
  const { pipeline, locate } = await resolvePipeline(file, { cwd: REPO, sets: [`models.${model}.input=[${size}, ${size}, 3]`, ...sets] });
  return { pipeline, plan: analyzeGraphs(pipeline, locate) };
}
