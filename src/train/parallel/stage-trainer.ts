// What the training loop steps with: on its own thread (inline.ts) or across worker threads
// (trainer.ts). Either way the stage's model holds the current weights after sync().
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
  /**
   * Brings the stage's model (weights and statistics) and the optimiser's state up to the last
   * step: before anything reads them (an evaluation, a checkpoint, the stage's end). Inline, they
   * always are; with workers, the workers hold them between syncs.
   */
  sync(): Promise<void>;
  /**
   * One batch in eval mode with the weights (and BatchNorm statistics) of the last step: its mean
   * loss and (classify) its outputs added to `acc`. Inline, on the stage's model; with workers,
   * each evaluates its rows of the batch, as in a step.
   */
  evaluate(batch: EpochBatch, acc: MetricAccumulator): Promise<void>;
  /** Frees the optimiser's slots and stops the workers, if any. */
  close(): Promise<void>;
}
