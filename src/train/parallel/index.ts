// Training steps on one thread or data-parallel across worker threads: the loop asks for a
// StageTrainer with the stage's worker count and steps with it.
import type * as tfjs from '@tensorflow/tfjs';
import type { ResolvedStage } from '../../config/types.js';
import type { Tf } from '../losses.js';
import { InlineTrainer } from './inline.js';
import type { StageTrainer } from './stage-trainer.js';
import { ParallelTrainer } from './trainer.js';
import { PARALLEL_BACKENDS } from './workers.js';

export type { StageTrainer } from './stage-trainer.js';
export { shardRows, syncsBatchStats, workersInKey } from './shards.js';
export { defaultTrainWorkers, PARALLEL_BACKENDS } from './workers.js';

/** One worker trains on this thread; more start that many worker threads (closed by close()). */
export async function openTrainer(tf: Tf, stage: ResolvedStage, model: tfjs.LayersModel, workers: number): Promise<StageTrainer> {
  if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`training workers must be a whole number >= 1, got ${workers}`);
  if (workers === 1) return new InlineTrainer(tf, stage, model);
  if (!(PARALLEL_BACKENDS as readonly string[]).includes(tf.getBackend())) {
    throw new Error(`training workers run on the ${PARALLEL_BACKENDS.join(', ')} backends, not ${tf.getBackend()}`);
  }
  return ParallelTrainer.open(tf, stage, model, workers);
}
