// A decode worker: takes file numbers from a shared counter and decodes them straight into the
// shared output array, reporting each file to the decoding thread.
import { parentPort, workerData } from 'node:worker_threads';
import { runLanes, type DecodeOptions, type DecodeTarget } from './decode-lanes.js';
import { serializeError, type SerializedError } from './thread-errors.js';

export interface DecodeWorkerData {
  readonly files: readonly string[];
  readonly options: DecodeOptions;
  readonly target: DecodeTarget;
  /** [next file to claim, stop flag]: shared by every worker. */
  readonly counter: Int32Array;
  readonly lanes: number;
}

export type DecodeWorkerMessage =
  | { readonly index: number; readonly failure: { readonly fatal: boolean; readonly error: SerializedError; readonly reason: string } | null }
  | { readonly finished: true };

const port = parentPort;
if (port === null) throw new Error('decode-worker.ts must run as a worker thread');
const { files, options, target, counter, lanes } = workerData as DecodeWorkerData;

const claim = (): number | null => {
  if (Atomics.load(counter, 1) !== 0) return null;
  const i = Atomics.add(counter, 0, 1);
  return i < files.length ? i : null;
};

await runLanes(files, options, target, lanes, claim, (index, failure) => {
  const message: DecodeWorkerMessage = {
    index,
    failure: failure && { fatal: failure.fatal, error: serializeError(failure.error), reason: failure.error.message },
  };
  port.postMessage(message);
});
port.postMessage({ finished: true } satisfies DecodeWorkerMessage);
