// The engine's ReLU gradient (from the output): the same mask as from the input, bit for bit, and
// after conv -> BatchNorm -> ReLU the BatchNorm output is no longer held for the backward pass.
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { BatchNorm } from '../../src/graph/layers/index.js';
import { randomValues, useWasm, valuesOn } from './reference.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

describe('Relu gradient', () => {
  it.each(['wasm', 'cpu'] as const)('on %s is dy where x > 0 and 0 elsewhere (zeros included), exactly', async (backend) => {
    const shape = [3, 5, 7];
    const x = randomValues(shape, 51).map((v, i) => (i % 6 === 0 ? 0 : v));
    const dy = randomValues(shape, 52);
    const [dx] = await valuesOn(backend, () => tf.grad((a: tfjs.Tensor) => tf.sum(tf.mul(tf.relu(a), tf.tensor(dy, shape))))(tf.tensor(x, shape)));
    // dy * 0 is -0 where dy < 0, as tfjs computes it.
    expect(Array.from(dx)).toEqual(Array.from(x, (v, i) => dy[i] * (v > 0 ? 1 : 0)));
  });

  it('lets the BatchNorm output go after the forward pass of conv -> BatchNorm -> ReLU', async () => {
    await tf.setBackend('wasm');
    const input = tf.input({ shape: [6, 6, 2] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tfjs.SymbolicTensor;
    const out = tf.layers.reLU().apply(new BatchNorm({ axis: -1 }).apply(conv)) as tfjs.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.globalAveragePooling2d({}).apply(out) as tfjs.SymbolicTensor });
    const x = tf.tensor4d(randomValues([8, 6, 6, 2], 53), [8, 6, 6, 2]);
    // Buffers held once the forward pass is done: what the tape kept for the backward pass.
    // (numDataBuffers, not numBytes: tfjs counts a buffer's bytes once per tensor sharing it.)
    const heldAfterForward = () => {
      let held = 0;
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const loss = tf.sum(model.apply(x, { training: true }) as tfjs.Tensor) as tfjs.Scalar;
          held = tf.memory().numDataBuffers;
          return loss;
        });
        tf.dispose([value, ...Object.values(grads)]);
      });
      return held;
    };
    const ours = tf.getGradient('Relu');
    const fromInput: tfjs.GradConfig = {
      kernelName: 'Relu', inputsToSave: ['x'],
      gradFunc: (dy, [a]) => ({ x: () => tf.mul(dy as tfjs.Tensor, tf.step(a)) }),
    };
    tf.registerGradient(fromInput);
    const withInput = heldAfterForward();
    tf.registerGradient(ours as tfjs.GradConfig);
    const withOutput = heldAfterForward();
    // One buffer fewer: the BatchNorm output (the ReLU output is held either way, by the pooling's gradient).
    expect(withInput - withOutput).toBe(1);
    model.dispose();
    x.dispose();
  });
});
