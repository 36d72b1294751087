// Writes a tree with Tiny ImageNet-200's exact layout and size (src/data/tiny-imagenet-like.ts)
// and says how long it took and how large it is: the data the seed benchmarks run on here.
//
//   npm run bench:tiny-tree -- --out DIR [--seed N] [--scale 0.1]
//   (--scale shrinks every count, for a quick look; the default is the real set's size)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeTinyImageNetLike } from '../src/data/tiny-imagenet-like.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string', default: '0' }, scale: { type: 'string', default: '1' } } });
if (!values.out) throw new Error('--out DIR is needed');
const root = resolve(values.out);
if (existsSync(root) && readdirSync(root).length > 0) throw new Error(`${root} is not empty: give a new folder`);
const scale = Number(values.scale);
if (!(scale > 0 && scale <= 1)) throw new Error('--scale must be in (0, 1]');
const n = (x: number) => Math.max(1, Math.round(x * scale));

const start = performance.now();
let shown = 0;
const tree = await writeTinyImageNetLike({ root, seed: Number(values.seed), trainPerClass: n(500), valImages: n(10_000), testImages: n(10_000) }, (done, total) => {
  if (done - shown >= total / 20 || done === total) {
    shown = done;
    process.stderr.write(`\r${done} / ${total} images`);
  }
});
const seconds = (performance.now() - start) / 1000;
const du = execFileSync('du', ['-sm', root], { encoding: 'utf8' }).split('\t')[0];
process.stderr.write('\n');
console.log(JSON.stringify({ root, images: tree.images, greyscale: tree.greyscale, classes: tree.wnids.length, seconds: Number(seconds.toFixed(1)), megabytes: Number(du) }));
