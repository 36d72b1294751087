// A worker thread for barrier.test.ts: worker k of `workers` gathers vectors from all through
// SharedArrays.allGather, `rounds` times, at uneven speeds, and says how many gathers were wrong.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedArrays, StepAborted, type SharedBuffers, type SharedLayout } from '../../src/train/parallel/shared.js';

const { layout, buffers, k, rounds } = workerData as { layout: SharedLayout; buffers: SharedBuffers; k: number; rounds: number };
const shared = SharedArrays.attach(layout, buffers);
/** What worker j gives in round r: a vector whose length changes from round to round. */
const given = (j: number, r: number) => Float64Array.from({ length: 1 + (r % layout.statsWidth) }, (_, i) => j * 1e6 + r * 1e3 + i);
let wrong = 0;
try {
  for (let r = 0; r < rounds; r++) {
    // Uneven speeds: a worker that gets ahead must not overwrite values another has still to read.
    const until = performance.now() + ((r * 7 + k * 3) % 5) * 0.05;
    while (performance.now() < until);
    const rows = shared.allGather(k, layout.workers, given(k, r));
    const want = Array.from({ length: layout.workers }, (_, j) => given(j, r));
    if (rows.length !== want.length || rows.some((row, j) => row.length !== want[j].length || row.some((v, i) => v !== want[j][i]))) wrong++;
  }
  parentPort!.postMessage(`wrong ${wrong}`);
} catch (e) {
  parentPort!.postMessage(e instanceof StepAborted ? 'aborted' : `failed: ${String(e)}`);
}
