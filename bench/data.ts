// Data-pipeline throughput on this machine, with PyTorch's DataLoader (PIL decode, the report's
// own pipeline) as the peer in the same run:
//   1. decoding a split with sharp: more files in flight on one thread (libuv's pool does the
//      work) against worker threads, images/s;
//   2. reading the decoded split back from the cache, MB/s;
//   3. one epoch of batches from the loader (cached uint8 -> augmented float32 NHWC) with 0, 1
//      and 2 worker threads, without augmentation and with the DenseNet chain, images/s; the
//      peer decodes and transforms every epoch, as the report's code did.
//
//   npm run bench:data                 # everything, with the peer
//   npm run bench:data -- --no-peer    # without Python
//   npm run bench:data -- --json
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { DecodeCache, decodeCacheKey, sharpDecoder } from '../src/data/cache.js';
import { stampFiles } from '../src/data/file-hashes.js';
import { decodeFiles, type DecodeOptions } from '../src/data/decode.js';
import type { ImageSet } from '../src/data/load-split.js';
import { BatchLoader } from '../src/data/loader.js';
import { selectData } from '../src/data/select.js';
import { dataSource, type AugmentStep } from '../src/data/spec.js';
import { seedChains } from './seed-chains.js';

const IMAGES = 4_000; // 64x64 JPEGs, as Tiny ImageNet's
const CLASSES = 20;
const RUNS = 3;
const BATCH = 128;
const OPTIONS: DecodeOptions = { channels: 3, image_size: [64, 64], resize: false, on_bad_image: 'error' };

const densenet = seedChains.densenet as unknown as AugmentStep[];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / 1000;
}

/** root/<class>/<k>.JPEG: smooth gradients plus noise, so JPEG sizes are like real photos'. */
async function writeTree(root: string): Promise<string[]> {
  const files: string[] = [];
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  for (let i = 0; i < IMAGES; i++) {
    const dir = join(root, `c${i % CLASSES}`);
    mkdirSync(dir, { recursive: true });
    const px = new Uint8Array(64 * 64 * 3);
    for (let k = 0; k < px.length; k++) px[k] = (((k / 3) % 64) * 2 + Math.floor(k / 192) * (i % 5) + (noise() >> 2) + 40 * (k % 3)) & 255;
    const file = join(dir, `${i}.JPEG`);
    writeFileSync(file, await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 75 }).toBuffer());
    files.push(file);
  }
  return files.sort();
}

/**
 * The alternative decodeFiles does not take: worker threads, each with its own files in flight,
 * writing into one shared array. (They share libuv's one pool with every other thread.)
 */
const WORKER_DECODE = `
const { parentPort, workerData } = require('node:worker_threads');
const sharp = require(workerData.sharp);
(async () => {
  const { files, out, lanes } = workerData;
  let next = 0;
  const lane = async () => { while (next < files.length) { const i = next++;
    out.set(await sharp(files[i]).removeAlpha().raw().toBuffer(), (workerData.first + i) * 12288); } };
  await Promise.all(Array.from({ length: lanes }, lane));
  parentPort.postMessage('done');
})();`;

async function decodeWithWorkers(files: string[], workers: number, lanes: number): Promise<void> {
  const sharpPath = join(process.cwd(), 'node_modules/sharp/dist/index.cjs');
  const out = new Uint8Array(new SharedArrayBuffer(files.length * 12288));
  const per = Math.ceil(files.length / workers);
  await Promise.all(Array.from({ length: workers }, (_, w) => new Promise((resolve, reject) => {
    const workerData = { files: files.slice(w * per, (w + 1) * per), first: w * per, out, lanes, sharp: sharpPath };
    const worker = new Worker(WORKER_DECODE, { eval: true, workerData });
    worker.once('message', (m) => void worker.terminate().then(() => resolve(m)));
    worker.once('error', reject);
  })));
}

/** Median seconds of each variant over RUNS rounds, the variants taking turns in each round. */
async function interleaved(variants: Record<string, (round: number) => Promise<unknown>>): Promise<Record<string, number>> {
  const seconds: Record<string, number[]> = {};
  for (let round = 0; round < RUNS; round++) {
    for (const [name, run] of Object.entries(variants)) (seconds[name] ??= []).push(await timed(() => run(round)));
  }
  return Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, median(v)]));
}

/** Images/s of one epoch per loader: no augmentation and the DenseNet chain, 0, 1 and 2 workers. */
async function loaderRates(set: ImageSet): Promise<Record<string, number>> {
  const summary = { count: set.count, labels: set.labels, classCount: CLASSES };
  const loaders = new Map<string, BatchLoader>();
  try {
    for (const augment of [null, 'densenet']) {
      const parts = selectData(dataSource({ split: 'train', augment }), () => summary, 'bench', { densenet });
      for (const workers of [0, 1, 2]) {
        const loader = await BatchLoader.open({ parts, splits: { train: set }, batchSize: BATCH, seed: 1, shuffle: true, dropLast: false, workers, where: 'bench' });
        loaders.set(`${augment ?? 'plain'}/${workers}`, loader);
        for await (const _ of loader.epoch(99)) void _; // warm up: worker start, JIT
      }
    }
    const epochs = Object.fromEntries([...loaders].map(([k, loader]) => [k, async (round: number) => {
      for await (const _ of loader.epoch(round)) void _;
    }]));
    const seconds = await interleaved(epochs);
    return Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, set.count / v]));
  } finally {
    await Promise.all([...loaders.values()].map((l) => l.close()));
  }
}

const PEER = String.raw`
import glob, json, sys, time
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
import torchvision.transforms as T
root, runs, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
files = sorted(glob.glob(root + '/*/*.JPEG'))
densenet = T.Compose([T.RandomApply([T.RandomHorizontalFlip(0.5), T.RandomVerticalFlip(0.2), T.GaussianBlur(3, (0.1, 2.0)),
    T.RandomCrop(64, padding=10, fill=0, padding_mode='constant'), T.RandomAffine(degrees=45, translate=(0.2, 0.2), shear=16)], p=0.5),
    T.ToTensor()])
class Files(Dataset):
    def __init__(self, tf): self.tf = tf
    def __len__(self): return len(files)
    def __getitem__(self, i): return self.tf(Image.open(files[i]).convert('RGB')), 0
out = {}
for name, tf in (('plain', T.ToTensor()), ('densenet', densenet)):
    for workers in (0, 2):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            for x, y in DataLoader(Files(tf), batch_size=batch, shuffle=True, num_workers=workers): pass
            times.append(time.perf_counter() - t0)
        out[f'{name}/{workers}'] = len(files) / sorted(times)[len(times) // 2]
print(json.dumps(out))
`;

function peerRates(root: string): Record<string, number> | null {
  if (process.argv.includes('--no-peer') || !existsSync('/usr/bin/python3')) return null;
  try {
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', PEER, root, String(RUNS), String(BATCH)], { encoding: 'utf8' })) as Record<string, number>;
  } catch (e) {
    console.error(`peer skipped: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

const root = mkdtempSync(join(tmpdir(), 'pipe-bench-data-'));
try {
  const files = await writeTree(root);
  // Variants take turns within each run, so a burst of load elsewhere hits them all alike.
  const decoders: Record<string, () => Promise<unknown>> = {
    'this thread, 1 in flight': () => decodeFiles(files, OPTIONS, { concurrency: 1 }),
    'this thread, 2 in flight': () => decodeFiles(files, OPTIONS, { concurrency: 2 }),
    'this thread, 4 in flight': () => decodeFiles(files, OPTIONS, { concurrency: 4 }),
    'this thread, 8 in flight': () => decodeFiles(files, OPTIONS, { concurrency: 8 }),
    '2 worker threads x 2 in flight': () => decodeWithWorkers(files, 2, 2),
    '2 worker threads x 4 in flight': () => decodeWithWorkers(files, 2, 4),
  };
  const decodeSeconds = await interleaved(decoders);
  const decode = Object.fromEntries(Object.entries(decodeSeconds).map(([k, s]) => [k, IMAGES / s]));

  const decoded = await decodeFiles(files, OPTIONS);
  const cache = new DecodeCache(join(root, 'cache'), (w) => console.error(w));
  const { stamps } = await stampFiles(root, files, { dir: null, warn: (w) => console.error(w) });
  const key = decodeCacheKey(stamps, OPTIONS, sharpDecoder());
  cache.store(key, decoded, files.length);
  const reads = await interleaved({ read: async () => cache.load(key) });
  const cacheMBs = decoded.images.byteLength / 1e6 / reads.read;

  const labels = Int32Array.from({ length: IMAGES }, (_, i) => Number(/\/c(\d+)\//.exec(files[i])?.[1]));
  const set: ImageSet = { split: 'train', ...decoded, labels, classNames: [], files, fromCache: true };
  const loader = await loaderRates(set);
  const peer = peerRates(root);

  const result = { machine: `${availableParallelism()} cores, Node ${process.version}`, images: IMAGES, decode, cacheMBs, loader, peer };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const base = decode['this thread, 1 in flight'];
    console.log(`${IMAGES} JPEGs of 64x64, medians of ${RUNS} runs, ${result.machine}\n\ndecode (images/s, ratio to 1 in flight):`);
    for (const [k, v] of Object.entries(decode)) console.log(`  ${k.padEnd(32)} ${v.toFixed(0).padStart(7)}  x${(v / base).toFixed(2)}`);
    console.log(`\ncache read back: ${cacheMBs.toFixed(0)} MB/s (${(decoded.images.byteLength / 1e6).toFixed(1)} MB)`);
    console.log(`\nloader epoch, batch ${BATCH} (images/s; peer: torch DataLoader decoding with PIL each epoch):`);
    for (const [k, v] of Object.entries(loader)) {
      const [chain, workers] = k.split('/');
      const p = peer?.[`${chain}/${workers === '1' ? 'x' : workers}`];
      console.log(`  ${chain.padEnd(9)} ${workers} workers ${v.toFixed(0).padStart(7)}${p ? `   peer ${p.toFixed(0).padStart(6)}  ratio x${(v / p).toFixed(2)}` : ''}`);
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
