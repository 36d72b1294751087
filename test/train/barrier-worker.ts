// A worker thread for barrier.test.ts: arrives at the shared barrier `rounds` times and says how
// each went ('passed', or 'aborted' when the step was abandoned).
import { parentPort, workerData } from 'node:worker_threads';
import { arriveAndWait, StepAborted } from '../../src/train/parallel/shared.js';

const { barrier, workers, rounds } = workerData as { barrier: SharedArrayBuffer; workers: number; rounds: number };
const view = new Int32Array(barrier);
for (let i = 0; i < rounds; i++) {
  try {
    arriveAndWait(view, workers);
    parentPort!.postMessage('passed');
  } catch (e) {
    parentPort!.postMessage(e instanceof StepAborted ? 'aborted' : `failed: ${String(e)}`);
    break;
  }
}
