// The one-worker case: steps on the training thread itself, on the stage's model directly.
import type * as tfjs from '@tensorflow/tfjs';
import type { ResolvedStage } from '../../config/types.js';
import type { EpochBatch } from '../../data/loader.js';
import { dropoutClock } from '../../graph/layers/index.js';
import { evaluateBatch } from '../evaluate.js';
import type { Tf } from '../losses.js';
import type { MetricAccumulator } from '../metrics.js';
import { createOptimizer, type EngineOptimizer } from '../optimizers/index.js';
import { partGradients } from './gradients.js';
import { microPieces, piecesPerStep } from './shards.js';
import type { StageTrainer } from './stage-trainer.js';

export class InlineTrainer implements StageTrainer {
  readonly optimizer: EngineOptimizer;
  private readonly vars: tfjs.Variable[];

  constructor(private readonly tf: Tf, private readonly stage: ResolvedStage, private readonly model: tfjs.LayersModel) {
    this.vars = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
    this.optimizer = createOptimizer(stage.optimizer!, this.vars);
  }

  step(batch: EpochBatch, lr: number, acc: MetricAccumulator): Promise<number> {
    const { tf, stage, model, vars } = this;
    let logits: tfjs.Tensor | null = null;
    // The loop set the dropout clock to the global step; with micro_batch each piece its own.
    const clock = dropoutClock.step;
    const loss = tf.tidy(() => {
      const input = {
        x: tf.tensor4d(batch.x, [...batch.shape]),
        labels: batch.y ? tf.tensor1d(batch.y, 'int32') : null,
        target: batch.target ? tf.tensor4d(batch.target, [...batch.shape]) : null,
      };
      const pieces = microPieces(batch.shape[0], stage.micro_batch);
      const g = partGradients(tf, stage, model, vars, input, pieces, clock, piecesPerStep(stage.batch_size, 1, stage.micro_batch));
      logits = g.out;
      this.optimizer.step(g.grads, lr, true); // the step's own gradients: the update may reuse them
      return g.loss;
    });
    dropoutClock.step = clock;
    // The one synchronous read of a step: the loss (and the logits for accuracy) come back to JS.
    const value = loss.dataSync()[0];
    loss.dispose();
    const kept = logits as tfjs.Tensor | null;
    acc.add(tf, value, batch.shape[0], kept, batch.y);
    kept?.dispose();
    return Promise.resolve(value);
  }

  evaluate(batch: EpochBatch, acc: MetricAccumulator): Promise<void> {
    evaluateBatch(this.tf, this.stage, this.model, batch, acc);
    return Promise.resolve();
  }

  /** The model and the optimiser are updated in place at every step. */
  sync(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.optimizer.dispose();
    return Promise.resolve();
  }
}
