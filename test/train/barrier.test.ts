// The barrier the training workers meet at within a step (src/train/parallel/shared.ts): nobody
// passes before everyone has arrived, it serves step after step, and an abandoned step releases
// every waiting worker at once (a worker that failed never arrives; nobody may wait for it).
// The exchanges of BatchNorm's shared statistics (SharedArrays.allGather) meet on a barrier of
// their own, round after round.
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { startModuleWorker } from '../../src/data/module-worker.js';
import { abandonStep, SharedArrays } from '../../src/train/parallel/shared.js';

const MODULE = new URL('./barrier-worker.ts', import.meta.url);

/** Starts `n` workers on one barrier; `said[k]` collects worker k's messages. */
function start(n: number, workers: number, rounds: number): { barrier: Int32Array; threads: Worker[]; said: string[][] } {
  const buffer = new SharedArrayBuffer(12);
  const said: string[][] = Array.from({ length: n }, () => []);
  const threads = Array.from({ length: n }, (_, k) => {
    const w = startModuleWorker(MODULE, { barrier: buffer, workers, rounds });
    w.on('message', (m: string) => said[k].push(m));
    return w;
  });
  return { barrier: new Int32Array(buffer), threads, said };
}

async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

describe('the step barrier', () => {
  it('lets three workers through together, three steps running', async () => {
    const { threads, said } = start(3, 3, 3);
    try {
      await until(() => said.every((s) => s.length === 3), 20_000);
      expect(said).toEqual([0, 1, 2].map(() => ['passed', 'passed', 'passed']));
    } finally {
      await Promise.all(threads.map((t) => t.terminate()));
    }
  }, 30_000);

  it('holds two of three that arrived; abandoning the step releases both as aborted, and a late one too', async () => {
    const { barrier, threads, said } = start(2, 3, 1);
    try {
      await until(() => Atomics.load(barrier, 0) === 2, 20_000);
      await new Promise((r) => setTimeout(r, 200));
      expect(said).toEqual([[], []]);
      abandonStep(barrier);
      await until(() => said.every((s) => s.length === 1), 5_000);
      expect(said).toEqual([['aborted'], ['aborted']]);
      const again = startModuleWorker(MODULE, { barrier: barrier.buffer, workers: 3, rounds: 1 });
      const word = await new Promise<string>((resolve) => again.once('message', resolve));
      await again.terminate();
      expect(word).toBe('aborted');
    } finally {
      await Promise.all(threads.map((t) => t.terminate()));
    }
  }, 30_000);
});

describe('the exchanges of BatchNorm\'s statistics (allGather)', () => {
  const ALLGATHER = new URL('./allgather-worker.ts', import.meta.url);
  const run = (workers: number, rounds: number, abandonAfter?: number) => {
    const shared = SharedArrays.allocate({ workers, paramSizes: [1], stateSizes: [], maxBatch: 1, inputSize: 1, outputSize: 0, statsWidth: 5 });
    // One worker too few arrives when the step is to be abandoned: the others wait for it.
    const started = abandonAfter === undefined ? workers : workers - 1;
    const said: string[] = [];
    const threads = Array.from({ length: started }, (_, k) => {
      const w = startModuleWorker(ALLGATHER, { layout: shared.layout, buffers: shared.buffers, k, rounds });
      w.on('message', (m: string) => said.push(m));
      return w;
    });
    return { shared, threads, said };
  };

  it('gives every one of three workers every worker\'s values, exactly, in each of 300 rounds at uneven speeds', async () => {
    const { threads, said } = run(3, 300);
    try {
      await until(() => said.length === 3, 20_000);
      expect(said).toEqual(['wrong 0', 'wrong 0', 'wrong 0']);
    } finally {
      await Promise.all(threads.map((t) => t.terminate()));
    }
  }, 30_000);

  it('refuses more values than the room made for them', () => {
    const shared = SharedArrays.allocate({ workers: 1, paramSizes: [1], stateSizes: [], maxBatch: 1, inputSize: 1, outputSize: 0, statsWidth: 3 });
    expect(shared.allGather(0, 1, new Float64Array([1, 2, 3]))).toEqual([new Float64Array([1, 2, 3])]);
    expect(() => shared.allGather(0, 1, new Float64Array(4))).toThrow(/got 4 values; room was made for 3/);
  });

  it('releases the workers waiting for one that never comes when the step is abandoned', async () => {
    const { shared, threads, said } = run(3, 5, 0);
    try {
      await until(() => Atomics.load(shared.statsBarrier, 0) === 2, 20_000);
      expect(said).toEqual([]);
      shared.abandon();
      await until(() => said.length === 2, 5_000);
      expect(said).toEqual(['aborted', 'aborted']);
    } finally {
      await Promise.all(threads.map((t) => t.terminate()));
    }
  }, 30_000);
});
