// How many stage jobs a study runs at once on this machine, and each one's share of it. Chosen
// before planning, since the training workers are part of a key where a model's result depends
// on them (BatchNorm, dropout).
import { availableParallelism, totalmem } from 'node:os';
import { PARALLEL_BACKENDS } from '../train/parallel/workers.js';
import { WASM_HEAP_BYTES } from '../train/budget.js';
import type { BackendKind } from '../backend/kinds.js';

export interface StudySlots {
  /** Jobs at once. */
  readonly jobs: number;
  /** Training workers of each job. */
  readonly workers: number;
  /** Data loader threads of each job. */
  readonly loaderWorkers: number;
  /** How that was chosen, for the user. */
  readonly why: string;
}

export interface SlotRequest {
  readonly jobs?: number;
  readonly workers?: number;
  readonly trials: number;
  readonly backend: BackendKind;
  readonly cores?: number;
  readonly memory?: number;
}

export function chooseSlots(r: SlotRequest): StudySlots {
  const cores = r.cores ?? availableParallelism();
  const memory = r.memory ?? totalmem();
  const parallel = PARALLEL_BACKENDS.includes(r.backend);
  // Each job's backend may grow to the wasm heap's 4 GiB per worker; a native one shares the
  // machine (tensorflow uses every core itself, so one job at a time is its natural share).
  const byMemory = Math.max(1, Math.floor(memory / WASM_HEAP_BYTES));
  const reasons: string[] = [];
  let jobs = r.jobs;
  if (jobs === undefined) {
    jobs = parallel ? Math.max(1, Math.min(cores, byMemory, r.trials)) : 1;
    reasons.push(parallel ? `${cores} core${cores === 1 ? '' : 's'}, memory for ${byMemory} job${byMemory === 1 ? '' : 's'} of up to 4 GiB each, ${r.trials} trial${r.trials === 1 ? '' : 's'}` : `${r.backend} uses every core itself`);
  } else reasons.push('--jobs');
  const share = Math.max(1, Math.floor(cores / jobs));
  const workers = r.workers ?? (parallel ? share : 1);
  if (r.workers !== undefined) reasons.push('--workers');
  else if (parallel) reasons.push(`${share} core${share === 1 ? '' : 's'} each`);
  // As `pipe run` within its share: one core for the training workers, the rest loading.
  const loaderWorkers = Math.max(0, share - 1);
  return { jobs, workers, loaderWorkers, why: reasons.join('; ') };
}
