// How many training workers a run gets unless told. No tfjs here: the CLI decides this before
// it knows whether any stage will train.
import { availableParallelism } from 'node:os';
import { WASM_KINDS, type BackendKind } from '../../backend/kinds.js';
import { InputError } from '../../errors.js';

/** Backends on which workers pay: one thread each (wasm has no threads in Node, cpu none at all). */
export const PARALLEL_BACKENDS: readonly BackendKind[] = [...WASM_KINDS, 'cpu'];

/** Every core where workers pay; one where the backend uses the cores itself (tensorflow). */
export function defaultTrainWorkers(backend: BackendKind): number {
  return PARALLEL_BACKENDS.includes(backend) ? availableParallelism() : 1;
}

/**
 * The training workers of a run: `--workers`, else the pipeline's `workers`, else the default.
 * On a backend that uses every core itself, --workers > 1 is an error, while the pipeline's value
 * is set aside with a note: a pipeline written on a CPU machine still runs on a GPU one.
 */
export function chooseTrainWorkers(flag: number | undefined, pipeline: number | undefined, backend: BackendKind): { workers: number; note: string | null } {
  const parallel = PARALLEL_BACKENDS.includes(backend);
  if (flag !== undefined) {
    if (flag > 1 && !parallel) throw new InputError([{ message: `--workers ${flag}: training workers run on the ${PARALLEL_BACKENDS.join(', ')} backends; ${backend} uses every core itself`, hint: 'drop --workers' }]);
    return { workers: flag, note: null };
  }
  if (pipeline === undefined) return { workers: defaultTrainWorkers(backend), note: null };
  if (pipeline > 1 && !parallel) return { workers: 1, note: `the pipeline's workers: ${pipeline} is set aside on ${backend}, which uses every core itself` };
  return { workers: pipeline, note: null };
}
