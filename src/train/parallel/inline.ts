// The one-worker case: steps on the training thread itself, on the stage's model directly.
import type * as tfjs from '@tensorflow/tfjs';
import type { ResolvedStage } from '../../config/types.js';
import type { EpochBatch } from '../../data/loader.js';
import { stageLoss, type Tf } from '../losses.js';
import type { MetricAccumulator } from '../metrics.js';
import { createOptimizer, type EngineOptimizer } from '../optimizers/index.js';
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
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [...batch.shape]);
      const labels = batch.y ? tf.tensor1d(batch.y, 'int32') : null;
      const target = batch.target ? tf.tensor4d(batch.target, [...batch.shape]) : null;
      const { value, grads } = tf.variableGrads(() => {
        const out = model.apply(x, { training: true }) as tfjs.Tensor;
        if (stage.kind === 'classify') logits = tf.keep(out);
        return stageLoss(tf, stage, out, labels, target);
      }, vars);
      this.optimizer.step(vars.map((v) => grads[v.name]), lr);
      return value;
    });
    // The one synchronous read of a step: the loss (and the logits for accuracy) come back to JS.
    const value = loss.dataSync()[0];
    loss.dispose();
    const kept = logits as tfjs.Tensor | null;
    acc.add(tf, value, batch.shape[0], kept, batch.y);
    kept?.dispose();
    return Promise.resolve(value);
  }

  close(): Promise<void> {
    this.optimizer.dispose();
    return Promise.resolve();
  }
}
