// One forward + backward step of every seed model family on wasm: no missing kernel, no leaked
// tensor, and gradients that agree with tfjs's cpu backend for the same weights and batch.
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { randomValues, relativeError, seededBuild, useWasm, valuesOn } from './reference.js';
import { alexnet, autoencoder, densenet, inceptionResnet, resnet9, type SeedModel } from './seed_models.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

const builders: [string, () => SeedModel][] = [
  ['alexnet', () => alexnet(tf, { batch: 2, classes: 7, width: 4 })],
  ['resnet9', () => resnet9(tf, { size: 24, batch: 4, classes: 7, channels: 3, width: 4 })],
  ['inception-resnet', () => inceptionResnet(tf, { size: 32, batch: 3, classes: 7, width: 8 })],
  ['densenet', () => densenet(tf, { size: 16, batch: 3, classes: 7, width: 2 })],
  ['autoencoder (reconstruction)', () => autoencoder(tf, { size: 16, batch: 4, classes: 7, width: 4 })[0]],
  ['autoencoder (classifier)', () => autoencoder(tf, { size: 16, batch: 4, classes: 7, width: 4 })[1]],
];

function lossFn(m: SeedModel, x: tfjs.Tensor, labelIds: number[]): () => tfjs.Scalar {
  return () => {
    const out = m.model.apply(x, { training: true }) as tfjs.Tensor;
    if (m.loss === 'reconstruct') return tf.losses.meanSquaredError(x, out) as tfjs.Scalar;
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labelIds, 'int32'), m.classes), out) as tfjs.Scalar;
  };
}

it('draws the same weights for the same seed, and others for another', () => {
  const weights = (seed: number) => {
    const m = seededBuild(seed, builders[1][1]);
    const values = m.model.getWeights().map((w) => Array.from(w.dataSync()));
    m.model.dispose();
    return values;
  };
  expect(weights(18)).toEqual(weights(18));
  expect(weights(19)).not.toEqual(weights(18));
});

describe.each(builders)('%s', (_name, build) => {
  it('takes a training step on wasm with the same gradients as cpu and leaks nothing', async () => {
    // Seeded weights: a random draw can land a ReLU input within rounding of zero (reference.ts).
    const m = seededBuild(18, build);
    const xs = randomValues(m.inputShape, 51);
    const labelIds = Array.from({ length: m.inputShape[0] }, (_, i) => (i * 3) % Math.max(m.classes, 1));
    const names = m.model.trainableWeights.map((w) => w.name);
    const step = () => {
      const { value, grads } = tf.variableGrads(lossFn(m, tf.tensor(xs, [...m.inputShape]), labelIds));
      return [value, ...names.map((n) => grads[n])];
    };

    const before = tf.memory().numTensors;
    const ours = await valuesOn('wasm', step);
    expect(tf.memory().numTensors).toBe(before);
    const ref = await valuesOn('cpu', step);

    expect(ours).toHaveLength(names.length + 1);
    expect(relativeError(ours[0], ref[0]), 'loss').toBeLessThanOrEqual(1e-4);
    // Whole networks in float32 with batch statistics: within 1e-3 of each gradient's scale. A conv
    // bias followed by BatchNorm has a gradient of exactly zero in real arithmetic (BN subtracts
    // the channel mean), so both sides are rounding noise: those are held to 1e-3 of the largest
    // gradient in the network instead.
    const largest = Math.max(...ref.slice(1).map((g) => Math.max(...g.map(Math.abs))));
    for (let i = 1; i < ours.length; i++) {
      const scale = Math.max(...ref[i].map(Math.abs));
      const floor = Math.max(scale, 1e-2 * largest);
      expect(relativeError(ours[i], ref[i]) * (scale / floor), names[i - 1]).toBeLessThanOrEqual(1e-3);
    }

    // An SGD update in place, then a second step: still nothing leaked.
    await tf.setBackend('wasm');
    tf.tidy(() => m.model.trainableWeights.forEach((w, i) => w.write(tf.sub(w.read(), tf.mul(tf.tensor(ours[i + 1], w.shape as number[]), 0.01)))));
    const again = await valuesOn('wasm', step);
    expect(Number.isFinite(again[0][0])).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    m.model.dispose();
  });
});
