// A stand-in for Tiny ImageNet-200 where the real set cannot be downloaded: its exact layout and
// size (200 classes x 500 training JPEGs, 10,000 val images listed in val_annotations.txt,
// 10,000 test images, 64x64, about 1% of them single-channel JPEGs as the real set has), so
// benchmarks decode, cache and train on what a user's run meets. The images are the noisy shapes
// of synthetic.ts (class c draws shape c mod 6), fixed by the seed: made for timing and sizes,
// not for accuracy (200 classes share six shapes).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../random.js';
import { renderShape, SHAPES } from './synthetic.js';

export interface TinyImageNetLikeOptions {
  readonly root: string;
  readonly seed: number;
  /** Defaults: the real set's counts. */
  readonly classes?: number;
  readonly trainPerClass?: number;
  readonly valImages?: number;
  readonly testImages?: number;
  readonly size?: number;
  /** Share of images written as one-channel JPEGs (the real set: 1,253 of 120,000 files, ~1%). */
  readonly greyscale?: number;
  /** JPEG encodes in flight (sharp runs them on libuv's pool). */
  readonly concurrency?: number;
}

export interface TinyImageNetLikeTree {
  readonly wnids: readonly string[];
  readonly images: number;
  readonly greyscale: number;
}

/** Class c's wnid: n + 8 digits, as ImageNet's (n01443537 ...), sorted in class order. */
const wnidOf = (c: number) => `n${String(1_000_000 + c * 7_919).padStart(8, '0')}`;

export async function writeTinyImageNetLike(o: TinyImageNetLikeOptions, onProgress?: (done: number, total: number) => void): Promise<TinyImageNetLikeTree> {
  const { classes = 200, trainPerClass = 500, valImages = 10_000, testImages = 10_000, size = 64, greyscale = 0.01, concurrency = 16 } = o;
  const { default: sharp } = await import('sharp');
  const wnids = Array.from({ length: classes }, (_, c) => wnidOf(c));
  mkdirSync(join(o.root, 'val', 'images'), { recursive: true });
  mkdirSync(join(o.root, 'test', 'images'), { recursive: true });
  writeFileSync(join(o.root, 'wnids.txt'), wnids.join('\n') + '\n');
  // words.txt lists more wnids than the classes, as the real one (82,115 lines) does.
  writeFileSync(join(o.root, 'words.txt'), [...wnids.map((w, c) => `${w}\t${SHAPES[c % SHAPES.length]} ${c}`), `${wnidOf(classes)}\tunused entity`].join('\n') + '\n');

  // Every image as (path, class, stream): drawn from its own stream, so the order jobs finish in
  // changes nothing.
  const jobs: { path: string; cls: number; stream: string }[] = [];
  const boxes = new Map<number, string[]>();
  const annotations: string[] = [];
  for (const [c, wnid] of wnids.entries()) {
    mkdirSync(join(o.root, 'train', wnid, 'images'), { recursive: true });
    boxes.set(c, []);
    for (let k = 0; k < trainPerClass; k++) {
      const file = `${wnid}_${k}.JPEG`;
      jobs.push({ path: join(o.root, 'train', wnid, 'images', file), cls: c, stream: `tiny/train/${c}/${k}` });
      boxes.get(c)!.push(`${file}\t0\t0\t${size - 1}\t${size - 1}`);
    }
  }
  for (let i = 0; i < valImages; i++) {
    const c = i % classes;
    jobs.push({ path: join(o.root, 'val', 'images', `val_${i}.JPEG`), cls: c, stream: `tiny/val/${i}` });
    annotations.push(`val_${i}.JPEG\t${wnids[c]}\t0\t0\t${size - 1}\t${size - 1}`);
  }
  for (let i = 0; i < testImages; i++) jobs.push({ path: join(o.root, 'test', 'images', `test_${i}.JPEG`), cls: i % classes, stream: `tiny/test/${i}` });
  for (const [c, lines] of boxes) writeFileSync(join(o.root, 'train', wnids[c], `${wnids[c]}_boxes.txt`), lines.join('\n') + '\n');
  writeFileSync(join(o.root, 'val', 'val_annotations.txt'), annotations.join('\n') + '\n');

  let done = 0;
  let grey = 0;
  const write = async (job: (typeof jobs)[number]) => {
    const rng = Rng.from(o.seed, job.stream);
    const pixels = renderShape(SHAPES[job.cls % SHAPES.length], size, rng);
    let image = sharp(pixels, { raw: { width: size, height: size, channels: 3 } });
    if (rng.float() < greyscale) {
      image = image.toColourspace('b-w');
      grey++;
    }
    await image.jpeg({ quality: 90 }).toFile(job.path);
    onProgress?.(++done, jobs.length);
  };
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
    while (next < jobs.length) await write(jobs[next++]);
  }));
  return { wnids, images: jobs.length, greyscale: grey };
}
