// Activations tf.layers lacks, as torch.nn defines them, from differentiable tfjs ops:
// hardsigmoid = relu6(x + 3) / 6, hardswish = x * hardsigmoid(x), silu = x * sigmoid(x),
// gelu = x * (1 + erf(x / sqrt 2)) / 2 (torch's default, exact form, not the tanh approximation).
import * as tf from '@tensorflow/tfjs';

export type TorchActivationKind = 'hardswish' | 'hardsigmoid' | 'silu' | 'gelu' | 'relu6';

export function torchActivation(kind: TorchActivationKind, x: tf.Tensor): tf.Tensor {
  switch (kind) {
    case 'relu6':
      return tf.relu6(x);
    case 'hardsigmoid':
      return tf.div(tf.relu6(tf.add(x, 3)), 6);
    case 'hardswish':
      return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    default: {
      const never: never = kind;
      throw new Error(`unknown activation ${String(never)}`);
    }
  }
}

export class TorchActivation extends tf.layers.Layer {
  static readonly className = 'PipeTorchActivation';
  readonly kind: TorchActivationKind;

  constructor(config: { kind: TorchActivationKind; name?: string }) {
    super(config);
    this.kind = config.kind;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => torchActivation(this.kind, Array.isArray(inputs) ? inputs[0] : inputs));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kind: this.kind };
  }
}
