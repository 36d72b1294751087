import { join, resolve } from 'node:path';
import { MAX_SEED } from '../../random.js';
import { didYouMean } from '../../config/suggest.js';
import { InputError } from '../../errors.js';
import type { Command } from '../command.js';
import { loadPipeline } from '../load-pipeline.js';
import { setOption, sets } from './options.js';

export const preview: Command = {
  name: 'preview',
  summary: 'write a grid of images beside their augmented versions, for one augment chain',
  usage: 'pipe preview PIPELINE --chain NAME [-n 32] [-o FILE.png] [--split train] [--seed N]',
  positionals: { min: 1, max: 1 },
  description:
    'Decodes the split (or reads it from the cache), picks n images with the seed, applies the chain to each, and writes a PNG where every original stands beside its augmented version: the report\'s figure of augmented examples.',
  options: [
    { name: 'chain', type: 'string', value: 'NAME', description: 'the augment chain to show (required)' },
    { name: 'n', short: 'n', type: 'string', value: 'N', description: 'how many images (default 32)' },
    { name: 'out', short: 'o', type: 'string', value: 'FILE.png', description: 'where to write (default outputs/preview-<pipeline>-<chain>.png)' },
    { name: 'split', type: 'string', value: 'SPLIT', description: 'train, val or test (default train)' },
    { name: 'seed', type: 'string', value: 'N', description: 'which images and which draws (default: the pipeline seed)' },
    setOption,
  ],
  async run(args, io) {
    const { pipeline } = await loadPipeline(args.positionals[0], io.cwd, sets(args));
    const chains = Object.keys(pipeline.augment);
    const chain = args.values.chain as string | undefined;
    if (!chain) throw new InputError([{ message: '--chain is required', hint: chains.length ? `chains: ${chains.join(', ')}` : 'the pipeline defines no augment chains' }]);
    if (!chains.includes(chain)) throw new InputError([{ message: `unknown augment chain '${chain}'${didYouMean(chain, chains)}`, hint: chains.length ? `chains: ${chains.join(', ')}` : 'the pipeline defines no augment chains' }]);
    const split = (args.values.split as string | undefined) ?? 'train';
    if (!['train', 'val', 'test'].includes(split)) throw new InputError([{ message: `--split must be train, val or test, found '${split}'` }]);
    const n = args.values.n === undefined ? 32 : Number(args.values.n);
    const seed = args.values.seed === undefined ? pipeline.seed : Number(args.values.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new InputError([{ message: `--seed expects a whole number from 0 to ${MAX_SEED}, found '${String(args.values.seed)}'` }]);
    const out = resolve(io.cwd, (args.values.out as string | undefined) ?? join('outputs', `preview-${pipeline.name}-${chain}.png`));
    const { loadSplit } = await import('../../data/load-split.js');
    const { hashCacheIn } = await import('../../data/file-hashes.js');
    const { compileChain } = await import('../../data/augment/chain.js');
    const { writePreviewGrid } = await import('../../data/preview.js');
    const set = await loadSplit(pipeline.dataset, split as 'train', { cacheDir: resolve(io.cwd, 'outputs', 'cache', 'data'), hashDir: hashCacheIn(resolve(io.cwd, 'outputs')) });
    const compiled = compileChain(pipeline.augment[chain] as never, { path: `augment.${chain}`, input: { height: set.height, width: set.width, channels: set.channels } });
    const r = await writePreviewGrid(set, compiled, { n, seed, out });
    io.out(`wrote ${r.path}: ${r.indices.length} images of the ${split} split beside their '${chain}' versions (${r.width}x${r.height})\n`);
    return 0;
  },
};
