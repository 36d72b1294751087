// The data fingerprint of a Tiny-ImageNet-sized tree (train + val, what the seed pipelines read):
// the first one, with an empty stat cache (every file read and hashed), and repeats of it on the
// unchanged tree (every file only stat'ed). Also: the bare stat of every file (what the old
// stat-based key cost) and `sha256sum` over the same files, one process and one per core, as a
// floor for reading and hashing them. The tree is only read; the stat cache goes to a temp folder.
// The page cache is not dropped (a shared machine): "first" means an empty stat cache.
//
//   npm run bench:tiny-tree -- --out /tmp/tiny-full      (once: 120,000 JPEGs)
//   npm run bench:fingerprint -- --tree /tmp/tiny-full [--runs 3] [--json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { HashCacheOptions } from '../src/data/file-hashes.js';
import { splitKeys, stampListings } from '../src/data/load-split.js';
import { readerFor } from '../src/data/readers/index.js';
import type { SplitListing } from '../src/data/readers/reader.js';
import type { ResolvedDataset } from '../src/data/spec.js';

const { values } = parseArgs({ options: { tree: { type: 'string' }, runs: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
if (!values.tree) throw new Error('--tree DIR is needed (make one with npm run bench:tiny-tree -- --out DIR)');
const root = resolve(values.tree);
const runs = Number(values.runs);
const dataset: ResolvedDataset = { format: 'tiny-imagenet', root, channels: 3, image_size: null, resize: false, on_bad_image: 'error', idx: {}, class_names: null };
const splits = ['train', 'val'] as const;
const work = mkdtempSync(join(tmpdir(), 'pipe-bench-fingerprint-'));
const warn = (m: string) => console.error(`warning: ${m}`);

const seconds = async (f: () => Promise<unknown> | unknown) => {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

try {
  const listings = new Map<string, SplitListing>();
  const listSeconds = await seconds(async () => {
    for (const s of splits) listings.set(s, await readerFor('tiny-imagenet').list(dataset, s));
  });
  const files = splits.flatMap((s) => listings.get(s)!.images.files);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  // As cache/fingerprint.ts's fingerprints(): both splits stamped in one pass.
  const fingerprint = (hashes: HashCacheOptions) => {
    const listed = splits.map((s) => listings.get(s)!);
    const stamps = stampListings(dataset, listed, hashes);
    return listed.map((l, i) => splitKeys(dataset, l, stamps[i]).print);
  };

  const hashes: HashCacheOptions = { dir: join(work, 'hashes'), warn };
  const cold = await seconds(() => fingerprint(hashes));
  const repeat = [];
  for (let i = 0; i < runs; i++) repeat.push(await seconds(() => fingerprint(hashes)));
  const cacheBytes = statSync(join(hashes.dir!, readdirSync(hashes.dir!)[0])).size;
  const statOnly = [];
  for (let i = 0; i < runs; i++) statOnly.push(await seconds(() => files.forEach((f) => statSync(f, { bigint: true }))));

  // The floor: sha256sum over the same files, one process, then one per core.
  const list = join(work, 'files');
  writeFileSync(list, files.join('\0'));
  const sha256sum = (procs: number) => seconds(() => execFileSync('sh', ['-c', `xargs -0 -P ${procs} -n 2000 sha256sum < '${list}' > /dev/null`]));
  const floor = { one: await sha256sum(1), perCore: await sha256sum(availableParallelism()) };

  const result = {
    machine: `${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} cores, Node ${process.version}`,
    files: files.length,
    megabytes: bytes / 1e6,
    listSeconds,
    coldSeconds: cold,
    repeatSeconds: median(repeat),
    repeats: repeat,
    statOnlySeconds: median(statOnly),
    cacheMegabytes: cacheBytes / 1e6,
    sha256sumSeconds: floor,
  };
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const f = (s: number) => `${s.toFixed(2)} s`;
    console.log(`${files.length} files (train + val), ${result.megabytes.toFixed(0)} MB; ${result.machine}`);
    console.log(`listing (readdir, annotations):         ${f(listSeconds)}`);
    console.log(`first fingerprint (empty stat cache):   ${f(cold)}  (${(files.length / cold).toFixed(0)} files/s, ${(bytes / 1e6 / cold).toFixed(0)} MB/s)`);
    console.log(`repeat, unchanged tree (median of ${runs}):  ${f(result.repeatSeconds)}  [${repeat.map(f).join(', ')}]`);
    console.log(`  bare stat of every file (median):     ${f(result.statOnlySeconds)}`);
    console.log(`  stat cache file:                      ${result.cacheMegabytes.toFixed(1)} MB`);
    console.log(`sha256sum, 1 process:                   ${f(floor.one)}`);
    console.log(`sha256sum, ${availableParallelism()} processes:                  ${f(floor.perCore)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
