import * as tf from '@tensorflow/tfjs';

export type UpsampleMode = 'nearest' | 'bilinear';

/**
 * The [size*f, size] matrix that upsamples one axis as torch.nn.functional.interpolate does with
 * an integer scale factor f. nearest: output o reads input floor(o / f). bilinear with
 * align_corners=False: half-pixel centres, source s = (o + 0.5) / f - 0.5 clamped at 0, weights
 * 1 - frac and frac on floor(s) and its right neighbour (the last pixel repeated at the edge).
 */
export function upsampleMatrix(size: number, f: number, mode: UpsampleMode): Float32Array {
  const m = new Float32Array(size * f * size);
  for (let o = 0; o < size * f; o++) {
    if (mode === 'nearest') {
      m[o * size + Math.floor(o / f)] = 1;
      continue;
    }
    const s = Math.max((o + 0.5) / f - 0.5, 0);
    const i0 = Math.min(Math.floor(s), size - 1);
    const i1 = Math.min(i0 + 1, size - 1);
    const frac = s - i0;
    m[o * size + i0] += 1 - frac;
    m[o * size + i1] += frac;
  }
  return m;
}

/** Applies `matrix` ([out, in]) along axis 1 of an NHWC tensor whose axis 1 has `in` entries. */
export function alongHeight(x: tf.Tensor4D, matrix: tf.Tensor2D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const rows = tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [n * w * c, h]);
  const out = tf.reshape(tf.matMul(rows, matrix, false, true), [n, w, c, matrix.shape[0]]);
  return tf.transpose(out, [0, 3, 1, 2]) as tf.Tensor4D;
}

/**
 * Enlarges height and width by an integer factor as torch.nn.Upsample (nearest, or bilinear with
 * align_corners=False). Each axis is a matrix product, so forward and gradient (the transposed
 * product) are the stock MatMul kernels on every backend, for any batch and any shape.
 */
export class TorchUpsample2D extends tf.layers.Layer {
  static readonly className = 'PipeTorchUpsample2D';
  readonly factor: number;
  readonly mode: UpsampleMode;

  constructor(config: { factor: number; mode: UpsampleMode; name?: string }) {
    super(config);
    this.factor = config.factor;
    this.mode = config.mode;
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w, c] = s as tf.Shape;
    return [n, h === null ? null : h * this.factor, w === null ? null : w * this.factor, c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const f = this.factor;
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const mh = tf.tensor2d(upsampleMatrix(h, f, this.mode), [h * f, h]);
      const mw = tf.tensor2d(upsampleMatrix(w, f, this.mode), [w * f, w]);
      const tall = alongHeight(x, mh);
      // Width: the same product with height and width swapped.
      return tf.transpose(alongHeight(tf.transpose(tall, [0, 2, 1, 3]), mw), [0, 2, 1, 3]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor, mode: this.mode };
  }
}
