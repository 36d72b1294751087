// tf.layers' BatchNormalization, whose training step runs as one fused op with its own gradient
// where the backend has it (src/backend/batch_norm_training.ts). Everything else is the stock
// layer's: class name, config, weights (gamma, beta, moving_mean, moving_variance, in that order),
// inference, and the moving-average update, so saved models and checkpoints load unchanged, and
// stock tfjs (a browser) loads what this layer saves.

import * as tf from '@tensorflow/tfjs';
import { batchNormTraining, batchStatsSync, fusesBatchNormTraining } from '../../backend/batch_norm_training.js';

type StockBatchNormalization = ReturnType<typeof tf.layers.batchNormalization>;
type LayerVariable = StockBatchNormalization['weights'][number];
type Args = Parameters<typeof tf.layers.batchNormalization>[0];

// tfjs does not export the class by name; its serialisation registry holds it. Read before
// index.ts registers BatchNorm under the same name.
const Stock = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization[0] as unknown as
  (new (args?: Args) => StockBatchNormalization) & Omit<typeof tf.layers.Layer, 'prototype'>;

/** What the fused path needs, read from the stock layer's public config and weights once built. */
interface FusedSetup {
  readonly channelsLast: boolean;
  readonly epsilon: number;
  readonly momentum: number;
  readonly gamma: LayerVariable;
  readonly beta: LayerVariable;
  readonly movingMean: LayerVariable;
  readonly movingVariance: LayerVariable;
}

export class BatchNorm extends Stock {
  static readonly className = 'BatchNormalization';
  private setup: FusedSetup | null = null;
  /**
   * PyTorch's affine=False: gamma and beta stay 1 and 0, not trained. They are kept as fixed
   * weights because tfjs's own center/scale=false fails in training (gamma read while undefined),
   * and the fused path needs them anyway. Not in the config: a reloaded model trains them again.
   */
  private readonly affine: boolean;

  constructor(args: Args & { affine?: boolean }) {
    const { affine, ...rest } = args;
    super(rest);
    this.affine = affine !== false;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    super.build(inputShape);
    const config = this.getConfig();
    const rank = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape).length;
    const axis = Number(config.axis);
    const weight = (name: string) => this.weights.find((w) => w.originalName.endsWith(`/${name}`));
    const [gamma, beta, movingMean, movingVariance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(weight);
    if (!this.affine) for (const w of [gamma, beta]) if (w) w.trainable = false;
    // Without gamma or beta (center/scale false) the stock path runs.
    this.setup = gamma && beta && movingMean && movingVariance
      ? { channelsLast: axis === -1 || axis === rank - 1, epsilon: Number(config.epsilon), momentum: Number(config.momentum), gamma, beta, movingMean, movingVariance }
      : null;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const setup = this.setup;
    // Statistics shared with other training workers take this path on any backend: the stock
    // layer would normalise by this worker's rows alone.
    const shared = kwargs.training === true && batchStatsSync() !== null;
    if (shared && (setup === null || !setup.channelsLast)) {
      throw new Error(`layer '${this.name}': batchnorm without gamma and beta, or over another axis than the last, cannot share its statistics across training workers; train it with one worker`);
    }
    if (kwargs.training !== true || setup === null || !setup.channelsLast || !(shared || fusesBatchNormTraining(x, setup.gamma.read(), setup.beta.read()))) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(x, setup.gamma.read(), setup.beta.read(), setup.epsilon);
      // The stock layer's update, term for term: running -= (running - batch) * (1 - momentum).
      for (const [running, batch] of [[setup.movingMean, mean], [setup.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const current = running.read();
          running.write(tf.sub(current, tf.mul(tf.sub(current, batch), 1 - setup.momentum)));
        });
      }
      return y;
    });
  }
}
