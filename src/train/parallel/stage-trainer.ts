// What the training loop steps with: on its own thread (inline.ts) or across worker threads
// (trainer.ts). Either way the stage's model holds the current weights after every step.
import type { EpochBatch } from '../../data/loader.js';
import type { MetricAccumulator } from '../metrics.js';
import type { EngineOptimizer } from '../optimizers/index.js';

export interface StageTrainer {
  /** The optimiser whose state a checkpoint saves and a resume loads. */
  readonly optimizer: EngineOptimizer;
  /**
   * One training step on `batch` at `lr`: forward in training mode, loss, gradients, one
   * optimiser update of the model's weights. Adds the batch's loss and predictions to `acc` and
   * returns the batch's mean loss.
   */
  step(batch: EpochBatch, lr: number, acc: MetricAccumulator): Promise<number>;
  /** Frees the optimiser's slots and stops the workers, if any. */
  close(): Promise<void>;
}
