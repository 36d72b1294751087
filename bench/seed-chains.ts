// The report's augmentation chains as the seed pipelines define them, resolved (every default
// filled): the benchmarks measure exactly what `pipe run` applies, not a copy written again.
import { fileURLToPath } from 'node:url';
import { resolvePipeline } from '../src/config/resolve.js';
import type { ResolvedAugmentStep } from '../src/data/augment/steps.js';

const repo = fileURLToPath(new URL('..', import.meta.url));

async function chain(file: string, name: string): Promise<ResolvedAugmentStep[]> {
  const { pipeline } = await resolvePipeline(file, { cwd: repo });
  return structuredClone(pipeline.augment[name]) as unknown as ResolvedAugmentStep[];
}

export const seedChains = {
  densenet: await chain('pipelines/densenet.yaml', 'densenet'),
  resnet: await chain('pipelines/resnet9.yaml', 'resnet_train'),
};
