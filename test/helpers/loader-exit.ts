// Run as a child process by test/data/loader-exit.test.ts: opens a loader with two workers,
// takes two batches and stops early, then either closes the loader or forgets to. Either way
// the process must exit on its own.
import { BatchLoader } from '../../src/data/loader.js';
import { selectData } from '../../src/data/select.js';
import { dataSource } from '../../src/data/spec.js';
import { syntheticImageSet } from './image-set.js';

const mode = process.argv[2];
const train = syntheticImageSet(200);
const parts = selectData(dataSource({ split: 'train' }), () => ({ count: 200, labels: train.labels, classCount: 4 }), 't');
const loader = await BatchLoader.open({ parts, splits: { train }, batchSize: 4, seed: 1, shuffle: true, dropLast: false, workers: 2, prefetch: 6, where: 't' });
let seen = 0;
for await (const batch of loader.epoch(0)) {
  seen += batch.shape[0];
  if (seen >= 8) break;
}
if (mode === 'close') await loader.close();
console.log(`took ${seen} images, ${mode}`);
