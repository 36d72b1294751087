// How many training workers a run gets unless told. No tfjs here: the CLI decides this before
// it knows whether any stage will train.
import { availableParallelism } from 'node:os';
import type { BackendKind } from '../../backend/kinds.js';

/** Backends on which workers pay: one thread each (wasm has no threads in Node, cpu none at all). */
export const PARALLEL_BACKENDS: readonly BackendKind[] = ['wasm', 'cpu'];

/** Every core where workers pay; one where the backend uses the cores itself (tensorflow). */
export function defaultTrainWorkers(backend: BackendKind): number {
  return PARALLEL_BACKENDS.includes(backend) ? availableParallelism() : 1;
}
