// A tiny chain compiler with the same contract as src/data/augment/chain.ts, for testing the
// loader without depending on the real augmentation ops. Steps:
//   {op: 'noise', amount}   adds uniform noise in [-amount, amount] to every value
//   {op: 'hflip', p}        mirrors left-right with probability p
//   {op: 'crop', size}      a random size x size window
//   {op: 'ragged'}          crops one row off with probability 1/2 (mixed sizes: an error)
//   {op: 'cutout', size}    zeroes a random size x size square
//   {op: 'normalize', mean, std}
//   {op: 'crash'}             ends the worker thread it runs in (a loader worker dying mid-epoch)
import type { ChainNormalize, CompiledChain, RawImage } from '../../src/data/augment-contract.js';
import { isMainThread } from 'node:worker_threads';
import type { AugmentStep } from '../../src/data/spec.js';
import type { Rng } from '../../src/data/random.js';

type Op = (img: RawImage, rng: Rng) => RawImage;

export function compileChain(steps: readonly AugmentStep[]): CompiledChain {
  let normalize: ChainNormalize | null = null;
  const ops: Op[] = [];
  for (const step of steps) {
    if (step.op === 'normalize') normalize = { mean: step.mean as number[], std: step.std as number[] };
    else ops.push(compileStep(step));
  }
  return { apply: (img, rng) => ops.reduce((acc, op) => op(acc, rng), img), normalize };
}

function compileStep(step: AugmentStep): Op {
  switch (step.op) {
    case 'noise':
      return (img, rng) => map(img, (v) => Math.max(0, Math.min(255, Math.round(v + rng.uniform(-1, 1) * (step.amount as number)))));
    case 'hflip':
      return (img, rng) => (rng.bernoulli(step.p as number) ? window(img, 0, 0, img.height, img.width, true) : img);
    case 'crop':
      return (img, rng) => {
        const size = step.size as number;
        return window(img, rng.int(img.height - size + 1), rng.int(img.width - size + 1), size, size, false);
      };
    case 'ragged':
      return (img, rng) => (rng.bernoulli(0.5) ? window(img, 0, 0, img.height - 1, img.width, false) : img);
    case 'cutout':
      return (img, rng) => {
        const size = step.size as number;
        const y0 = rng.int(img.height - size + 1);
        const x0 = rng.int(img.width - size + 1);
        const data = img.data.slice();
        for (let y = y0; y < y0 + size; y++) data.fill(0, (y * img.width + x0) * img.channels, (y * img.width + x0 + size) * img.channels);
        return { ...img, data };
      };
    case 'crash':
      return () => {
        if (isMainThread) throw new Error('crash only runs in a worker thread');
        process.exit(7);
      };
    default:
      throw new Error(`test chain: unknown step '${step.op}'`);
  }
}

function map(img: RawImage, f: (v: number) => number): RawImage {
  return { ...img, data: img.data.map(f) };
}

function window(img: RawImage, top: number, left: number, height: number, width: number, mirror: boolean): RawImage {
  const c = img.channels;
  const data = new Uint8Array(height * width * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = mirror ? left + width - 1 - x : left + x;
      for (let k = 0; k < c; k++) data[(y * width + x) * c + k] = img.data[((top + y) * img.width + sx) * c + k];
    }
  }
  return { data, height, width, channels: c };
}
