import { resolve } from 'node:path';
import { InputError } from '../../errors.js';
import type { Command, ParsedArgs } from '../command.js';

const DEFAULTS = { classes: 6, train: 300, val: 50, size: 32, seed: 0 };

export const makeDemoData: Command = {
  name: 'make-demo-data',
  summary: 'render the shapes data set pipelines/demo.yaml trains on (no network needed)',
  usage: 'pipe make-demo-data [DIR] [--classes N] [--train N] [--val N] [--size N] [--seed N]',
  positionals: { min: 0, max: 1 },
  description:
    'Writes a Tiny-ImageNet-layout tree of JPEGs to DIR (default data/shapes: a new or empty folder, or one pipe make-demo-data wrote before, whose files it replaces: .pipe-make-demo-data.json lists them): one class per shape (disc, square, triangle, ring, cross, bars) drawn at random positions, sizes and colours on noisy backgrounds, so a model must learn shape itself. The seed fixes every image.',
  options: [
    { name: 'classes', type: 'string', value: 'N', description: `classes, 2 to 6 (default ${DEFAULTS.classes})` },
    { name: 'train', type: 'string', value: 'N', description: `training images per class (default ${DEFAULTS.train})` },
    { name: 'val', type: 'string', value: 'N', description: `validation images per class (default ${DEFAULTS.val})` },
    { name: 'size', type: 'string', value: 'N', description: `image side in pixels (default ${DEFAULTS.size})` },
    { name: 'seed', type: 'string', value: 'N', description: `seed (default ${DEFAULTS.seed})` },
  ],
  async run(args, io) {
    const root = resolve(io.cwd, args.positionals[0] ?? 'data/shapes');
    const opt = (name: keyof typeof DEFAULTS, min: number, max: number) => intOption(args, name, DEFAULTS[name], min, max);
    const o = { root, classes: opt('classes', 2, 6), trainPerClass: opt('train', 1, 100_000), valPerClass: opt('val', 1, 100_000), size: opt('size', 8, 512), seed: opt('seed', 0, 2 ** 31) };
    const { claimFolder } = await import('../../cache/owned-folder.js');
    const claimed = claimFolder(root, { by: 'make-demo-data', option: 'DIR' });
    const { writeShapesDataset } = await import('../../data/synthetic.js');
    // Recorded even when writing fails part-way: a rerun then removes what this one wrote.
    const r = await writeShapesDataset(o).finally(() => claimed.finish());
    io.out(`wrote ${r.images} images of ${o.classes} classes (${o.size}x${o.size}) to ${root}\n`);
    return 0;
  },
};

function intOption(args: ParsedArgs, name: string, dflt: number, min: number, max: number): number {
  const raw = args.values[name];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError([{ message: `--${name} expects a whole number in [${min}, ${max}], found '${String(raw)}'` }]);
  return n;
}
