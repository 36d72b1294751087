// A model's first conv skips its input gradient in training steps (conv-input-gradient.ts): the
// same gradients bit for bit, one Conv2DBackpropInput fewer, and the stock gradient wherever
// the conv's input needs one (fed by a variable, or differentiated with respect to the input).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/index.js';
import { fedByVariable } from '../../../src/graph/layers/conv-input-gradient.js';
import { gradientsOfVariablesOnly, TorchPad2D } from '../../../src/graph/layers/index.js';
import { randomValues } from '../../backend/reference.js';

beforeAll(async () => {
  tf.enableProdMode();
  await initBackend({ backend: 'wasm', env: {} });
});

/** pad -> conv (bias) -> relu -> conv (no bias, stride 2) -> pool -> dense: the Fashion ResNet's stem, in small. */
function net(): tf.LayersModel {
  const input = tf.input({ shape: [10, 10, 1] });
  let x = new TorchPad2D({ padding: [[2, 2], [2, 2]], value: 0 }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 4, kernelSize: 5, kernelInitializer: 'glorotUniform', biasInitializer: 'randomNormal' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, useBias: false, kernelInitializer: 'glorotUniform' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3, kernelInitializer: 'glorotUniform' }).apply(x) as tf.SymbolicTensor });
}

/** Every trainable weight's gradient of a loss over the model's output, and the kernels that ran. */
async function gradients(model: tf.LayersModel, x: tf.Tensor, skip: boolean): Promise<{ grads: Float32Array[]; kernels: string[] }> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let grads: Float32Array[] = [];
  const info = await tf.profile(() => {
    const { value, grads: g } = tf.variableGrads(() => {
      const forward = () => model.apply(x, { training: true }) as tf.Tensor;
      const y = skip ? gradientsOfVariablesOnly(forward) : forward();
      return tf.sum(tf.mul(y, tf.tensor1d([1, -2, 3])));
    }, vars);
    grads = vars.map((v) => g[v.name].dataSync() as Float32Array);
    tf.dispose([value, ...Object.values(g)]);
  });
  return { grads, kernels: info.kernels.map((k) => k.name) };
}

const count = (kernels: string[], name: string) => kernels.filter((k) => k === name).length;

describe.each(['wasm', 'cpu'])('on %s', (backend) => {
  it('the first conv skips its input gradient; every weight\'s gradient is the same, bit for bit', async () => {
    await tf.setBackend(backend);
    try {
      const model = net();
      const x = tf.tensor4d(randomValues([4, 10, 10, 1], 1), [4, 10, 10, 1]);
      const stock = await gradients(model, x, false);
      const ours = await gradients(model, x, true);
      expect(ours.grads).toEqual(stock.grads);
      expect(count(stock.kernels, 'Conv2DBackpropInput')).toBe(2);
      expect(count(ours.kernels, 'Conv2DBackpropInput')).toBe(1);
      expect(count(ours.kernels, 'Conv2DBackpropFilter')).toBe(2);
      model.dispose();
      x.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

describe('where the input needs a gradient, the stock one runs', () => {
  it('an input computed from a variable: both convs compute their input gradients, and the variable gets its gradient', async () => {
    const model = net();
    const scale = tf.variable(tf.scalar(1.5));
    const x = tf.tensor4d(randomValues([2, 10, 10, 1], 2), [2, 10, 10, 1]);
    const grad = (skip: boolean) => {
      const { value, grads } = tf.variableGrads(() => {
        const forward = () => model.apply(tf.mul(x, scale), { training: true }) as tf.Tensor;
        return tf.sum(skip ? gradientsOfVariablesOnly(forward) : forward());
      }, [scale]);
      const out = grads[scale.name].dataSync()[0];
      tf.dispose([value, grads[scale.name]]);
      return out;
    };
    const ours = grad(true);
    expect(ours).not.toBe(0);
    expect(ours).toBe(grad(false));
    model.dispose();
  });

  it('outside a training step (a gradient with respect to the images themselves)', () => {
    const model = net();
    const x = tf.tensor4d(randomValues([2, 10, 10, 1], 3), [2, 10, 10, 1]);
    const dx = tf.grad((images: tf.Tensor) => tf.sum(model.apply(images, { training: true }) as tf.Tensor))(x);
    expect(Array.from(dx.dataSync()).some((v) => v !== 0)).toBe(true);
    model.dispose();
  });

  it('fedByVariable follows the tape back to a variable, and not to data', () => {
    const v = tf.variable(tf.ones([2]));
    const data = tf.ones([2]);
    const { value, grads } = tf.variableGrads(() => {
      const fromData = tf.relu(tf.add(data, 1));
      const fromVariable = tf.relu(tf.mul(tf.add(data, 1), v));
      expect([fedByVariable(fromData), fedByVariable(fromVariable), fedByVariable(data), fedByVariable(v)]).toEqual([false, true, false, true]);
      return tf.sum(fromVariable);
    }, [v]);
    tf.dispose([value, ...Object.values(grads)]);
  });
});
