// Augmentation throughput on one core: images/s of the report's chains on 64x64x3 uint8 images,
// median of repeated timed runs, with torchvision on PIL images (the report's own pipeline) as
// the peer in the same run when Debian's python3-torchvision is installed. Each run is timed by
// the wall clock and by the process's CPU time: on a shared machine the second is what one
// dedicated core would sustain, and the target is checked against it.
//
//   npm run bench:augment                 # all chains, with the peer
//   npm run bench:augment -- --no-peer    # without Python
//   npm run bench:augment -- --json

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compileChain } from '../src/data/augment/chain.js';
import type { Image } from '../src/data/augment/image.js';
import type { ResolvedAugmentStep } from '../src/data/augment/steps.js';
import { Rng } from '../src/data/random.js';
import { seedChains } from './seed-chains.js';

const SIZE = 64;
const IMAGES = 5_000; // per timed run
const RUNS = 5;
const TARGET = 5_000; // images/s the DenseNet chain must sustain (issue 5, point 6)

const { densenet, resnet } = seedChains;
const cutout: ResolvedAugmentStep[] = [{ op: 'cutout', num_holes: 12, max_h_size: 16, max_w_size: 16, fill_value: 0, p: 1 }];

/** Each chain, with the same chain in torchvision/albumentations-free Python for the peer. */
const CHAINS: { name: string; steps: ResolvedAugmentStep[]; peer: string | null }[] = [
  { name: 'densenet (random_apply p=0.5 of flips, blur, padded crop, affine)', steps: densenet, peer: 'densenet' },
  { name: 'densenet, always applied (random_apply p=1)', steps: [{ ...(densenet[0] as { op: 'random_apply'; p: number; chain: ResolvedAugmentStep[] }), p: 1 }], peer: 'densenet_always' },
  { name: 'resnet train (random_crop 56 + random_choice)', steps: resnet, peer: 'resnet' },
  { name: 'cutout (12 holes of 16x16, p=1)', steps: cutout, peer: null },
];

function syntheticImages(n: number): Image[] {
  const rng = Rng.from(1, 'bench/augment');
  return Array.from({ length: n }, () => {
    const data = new Uint8Array(SIZE * SIZE * 3);
    for (let i = 0; i < data.length; i++) data[i] = ((i % 192) + rng.int(64)) & 255;
    return { data, height: SIZE, width: SIZE, channels: 3 };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

interface Rate {
  /** Images per second of wall-clock time. */
  readonly wall: number;
  /** Images per second of this process's CPU time (user + system). */
  readonly cpu: number;
}

function measure(steps: ResolvedAugmentStep[], images: Image[]): Rate {
  const chain = compileChain(steps, { input: { height: SIZE, width: SIZE, channels: 3 } });
  const rng = Rng.from(7, 'bench');
  let sink = 0;
  for (let i = 0; i < 2_000; i++) sink += chain.apply(images[i % images.length], rng).data[0]; // warm-up: let V8 optimise
  const wall: number[] = [], cpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    for (let i = 0; i < IMAGES; i++) sink += chain.apply(images[i % images.length], rng).data[0];
    const used = process.cpuUsage(c0);
    wall.push(IMAGES / ((performance.now() - t0) / 1000));
    cpu.push(IMAGES / ((used.user + used.system) / 1e6));
  }
  if (sink < 0) console.log(sink); // keeps the results alive
  return { wall: median(wall), cpu: median(cpu) };
}

const PEER = `
import json, statistics, sys, time
import numpy as np, torch, torchvision.transforms as T
from PIL import Image
torch.set_num_threads(1)
chains = {
  "densenet": T.RandomApply([T.RandomHorizontalFlip(0.5), T.RandomVerticalFlip(0.2), T.GaussianBlur(3, (0.1, 2.0)),
      T.RandomCrop(64, padding=10, fill=0, padding_mode="constant"), T.RandomAffine(45, translate=(0.2, 0.2), shear=16)], p=0.5),
  "densenet_always": T.RandomApply([T.RandomHorizontalFlip(0.5), T.RandomVerticalFlip(0.2), T.GaussianBlur(3, (0.1, 2.0)),
      T.RandomCrop(64, padding=10, fill=0, padding_mode="constant"), T.RandomAffine(45, translate=(0.2, 0.2), shear=16)], p=1.0),
  "resnet": T.Compose([T.RandomCrop(56), T.RandomChoice([T.RandomHorizontalFlip(0.6), T.RandomVerticalFlip(0.6),
      T.RandomRotation(20), T.ColorJitter(brightness=0, contrast=[0.9, 1.08], saturation=0, hue=0)])]),
}
rs = np.random.RandomState(1)
images = [Image.fromarray(rs.randint(0, 256, (64, 64, 3), dtype=np.uint8)) for _ in range(256)]
out = {}
for name in sys.argv[1:]:
    t = chains[name]
    for i in range(200): t(images[i % 256])
    wall, cpu = [], []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(1000): t(images[i % 256])
        wall.append(1000 / (time.perf_counter() - t0))
        cpu.append(1000 / (time.process_time() - c0))
    out[name] = {"wall": statistics.median(wall), "cpu": statistics.median(cpu)}
print(json.dumps(out))
`;

function peerRates(names: string[]): Record<string, Rate> | null {
  if (process.argv.includes('--no-peer') || !existsSync('/usr/bin/python3')) return null;
  try {
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', PEER, ...names], { encoding: 'utf8' })) as Record<string, Rate>;
  } catch {
    return null;
  }
}

const images = syntheticImages(256);
const rows = CHAINS.map((c) => ({ chain: c.name, peer: c.peer, rate: measure(c.steps, images) }));
const peer = peerRates(rows.flatMap((r) => (r.peer ? [r.peer] : [])));
const table = rows.map((r) => {
  const p = r.peer && peer ? peer[r.peer] : null;
  return {
    chain: r.chain,
    cpu: Math.round(r.rate.cpu),
    wall: Math.round(r.rate.wall),
    torchvisionCpu: p ? Math.round(p.cpu) : null,
    ratio: p ? +(r.rate.cpu / p.cpu).toFixed(1) : null,
  };
});

if (process.argv.includes('--json')) console.log(JSON.stringify({ size: SIZE, images: IMAGES, runs: RUNS, table }, null, 2));
else {
  console.log(`augmentation throughput, ${SIZE}x${SIZE}x3 uint8, one thread, median of ${RUNS} runs of ${IMAGES} images`);
  console.log('| chain | images/s (CPU time) | images/s (wall) | torchvision on PIL (CPU time) | ratio |');
  console.log('|---|---:|---:|---:|---:|');
  for (const t of table) {
    console.log(`| ${t.chain} | ${t.cpu} | ${t.wall} | ${t.torchvisionCpu ?? '-'} | ${t.ratio === null ? '-' : `${t.ratio}x`} |`);
  }
}
const dense = table[0].cpu;
if (dense < TARGET) {
  console.error(`densenet chain: ${dense} images per CPU-second, below the ${TARGET} target`);
  process.exitCode = 1;
}
