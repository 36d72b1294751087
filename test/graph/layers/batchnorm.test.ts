// The engine's BatchNorm layer against tf.layers' BatchNormalization: the same training (losses,
// weights, moving statistics) through the fused op, the same saved form, and the stock path
// wherever the fused op does not apply.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_NORM_TRAINING } from '../../../src/backend/batch_norm_training.js';
import { initBackend } from '../../../src/backend/index.js';
import { BatchNorm } from '../../../src/graph/layers/index.js';
import { randomValues, relativeError, seededBuild } from '../../backend/reference.js';

beforeAll(async () => {
  tf.enableProdMode();
  await initBackend({ backend: 'wasm', env: {} });
});

type Norm = (name: string) => tf.layers.Layer;
const stock: Norm = (name) => tf.layers.batchNormalization({ name, axis: -1, momentum: 0.9, epsilon: 1e-5 });
const fused: Norm = (name) => new BatchNorm({ name, axis: -1, momentum: 0.9, epsilon: 1e-5 });

/**
 * conv -> norm -> relu twice (the second strided), pool, dense -> norm (rank 2) -> dense. No bias
 * before a norm: its gradient is zero up to rounding, so its value would be noise in both models.
 */
function net(norm: Norm): tf.LayersModel {
  const input = tf.input({ name: 'x', shape: [8, 8, 3] });
  let x = tf.layers.conv2d({ name: 'c1', filters: 6, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'r1' }).apply(norm('n1').apply(x)) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ name: 'c2', filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'r2' }).apply(norm('n2').apply(x)) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'g' }).apply(x) as tf.SymbolicTensor;
  x = norm('n3').apply(tf.layers.dense({ name: 'd1', units: 5, useBias: false }).apply(x)) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ name: 'd2', units: 4 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ name: 'net', inputs: input, outputs: logits });
}

/** The stock model and the fused one, with the same weights (seeded: reference.ts says why). */
function pair(): [tf.LayersModel, tf.LayersModel] {
  const [a, b] = [seededBuild(20, () => net(stock)), net(fused)];
  b.setWeights(a.getWeights());
  return [a, b];
}

const X = randomValues([16, 8, 8, 3], 5).map((v) => 3 * v + 1);
const LABELS = Array.from({ length: 16 }, (_, i) => (i * 7) % 4);

/** Losses of `steps` SGD steps on one batch; asserts that the steps leave no tensor behind. */
function train(model: tf.LayersModel, steps: number): number[] {
  const opt = tf.train.sgd(0.1);
  const [x, y] = [tf.tensor4d(X, [16, 8, 8, 3]), tf.oneHot(tf.tensor1d(LABELS, 'int32'), 4)];
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(tf.tidy(() => {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
      return (loss as tf.Scalar).dataSync()[0];
    }));
  }
  expect(tf.memory().numTensors, 'tensors left behind by training steps').toBe(before);
  tf.dispose([x, y]);
  opt.dispose();
  return losses;
}

describe('BatchNorm against tf.layers BatchNormalization', () => {
  it('five training steps on wasm: same losses, weights and moving statistics, through the fused kernel', async () => {
    const [a, b] = pair();
    const kernelsOf = async (m: tf.LayersModel) => new Set((await tf.profile(() => {
      tf.tidy(() => tf.grads((x: tf.Tensor) => tf.sum(m.apply(x, { training: true }) as tf.Tensor))([tf.tensor4d(X, [16, 8, 8, 3])]));
    })).kernels.map((k) => k.name));
    expect((await kernelsOf(b)).has(BATCH_NORM_TRAINING)).toBe(true);
    expect((await kernelsOf(a)).has(BATCH_NORM_TRAINING)).toBe(false);

    const [la, lb] = [train(a, 5), train(b, 5)];
    expect(la[4]).toBeLessThan(la[0]); // it trains at all
    expect(relativeError(Float32Array.from(lb), Float32Array.from(la))).toBeLessThanOrEqual(1e-4);
    // Every weight after the steps, moving mean and variance included, in the stock order.
    expect(b.weights.map((w) => w.originalName)).toEqual(a.weights.map((w) => w.originalName));
    const [wa, wb] = [a.getWeights(), b.getWeights()]; // the variables' own tensors: not to dispose
    wa.forEach((w, i) => expect(relativeError(wb[i].dataSync() as Float32Array, w.dataSync() as Float32Array), a.weights[i].originalName).toBeLessThanOrEqual(1e-4));
    a.dispose();
    b.dispose();
  });

  it('saves as the stock layer does, and loads back as BatchNorm predicting the same', async () => {
    const [a, b] = pair();
    expect(JSON.stringify(b.toJSON(null, false))).toEqual(JSON.stringify(a.toJSON(null, false)));
    let saved: tf.io.ModelArtifacts | null = null;
    await b.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as unknown as tf.io.ModelArtifacts));
    expect(loaded.getLayer('n1')).toBeInstanceOf(BatchNorm);
    const x = tf.tensor4d(X, [16, 8, 8, 3]);
    const [pa, pl] = [a.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(pl.dataSync())).toEqual(Array.from(pa.dataSync()));
    tf.dispose([x, pa, pl]);
    [a, b, loaded].forEach((m) => m.dispose());
  });

  it('trains through the stock path, bit for bit, where the backend has no fused kernel (cpu)', async () => {
    await tf.setBackend('cpu');
    try {
      const [a, b] = pair();
      expect(train(b, 2)).toEqual(train(a, 2));
      a.dispose();
      b.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
