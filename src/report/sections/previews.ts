// The augmentation preview grid of each chain the pipeline's `report.preview` names (every chain
// when it names none): originals beside augmented versions, as `pipe preview` draws them. Runs
// whose chain, data and seed are the same share one grid.
import type { ResolvedPipeline, SplitName } from '../../config/types.js';
import type { Block, Section } from '../document.js';
import { writeChainPreview, type SplitImages } from '../images.js';
import type { RunFolder } from '../run-folder.js';

/** Pairs per grid: four rows of four. */
const PREVIEW_IMAGES = 16;

export async function previewSection(runs: readonly RunFolder[], ctx: { dir: string; images: SplitImages }): Promise<Section | null> {
  const grids = new Map<string, { run: RunFolder; chain: string; labels: string[] }>();
  for (const run of runs) {
    for (const chain of previewChains(run.pipeline)) {
      const key = JSON.stringify([run.pipeline.dataset, run.pipeline.augment[chain], run.pipeline.seed, previewSplit(run.pipeline)]);
      const grid = grids.get(key) ?? { run, chain, labels: [] };
      grid.labels.push(runs.length > 1 ? `${chain} of ${run.label}` : chain);
      grids.set(key, grid);
    }
  }
  if (!grids.size) return null;
  const blocks: Block[] = [];
  for (const [g, { run, chain, labels }] of [...grids.values()].entries()) {
    const split = previewSplit(run.pipeline);
    const set = await ctx.images.get(run.pipeline, split, run.dir);
    if ('unavailable' in set) {
      blocks.push({ kind: 'text', text: `No preview of ${labels.join(', ')}: ${set.unavailable}.` });
      continue;
    }
    const file = `images/preview-${g + 1}-${chain}.png`;
    await writeChainPreview(run.pipeline, chain, set, `${ctx.dir}/${file}`, PREVIEW_IMAGES);
    blocks.push({ kind: 'picture', image: { file, alt: `augment chain ${chain}` }, caption: `Augment chain ${labels.join(', ')}: ${Math.min(PREVIEW_IMAGES, set.count)} ${split} images, each beside one augmented version (seed ${run.pipeline.seed}).` });
  }
  return { title: 'Augmentation', level: 2, blocks };
}

function previewChains(p: ResolvedPipeline): string[] {
  const named = p.report?.preview ?? [];
  return (named.length ? named : Object.keys(p.augment ?? {})).filter((c) => p.augment?.[c] !== undefined);
}

/**
 * The images shown: the first validation split a stage reads (Tiny ImageNet's val is a tenth of
 * train, so the report decodes 10,000 images rather than 100,000), else train.
 */
function previewSplit(p: ResolvedPipeline): SplitName {
  for (const s of Object.values(p.stages)) {
    const val = s.val;
    if (val) return 'concat' in val ? val.concat[0].split : val.split;
  }
  return 'train';
}
