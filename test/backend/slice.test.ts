// The engine's Slice on wasm against the cpu backend: boxes of every rank, dtypes, whole and
// empty boxes, -1 sizes, and the gradient of a padding (what a training step slices most).
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { randomValues, useWasm, valuesOn } from './reference.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await useWasm();
});

// [name, shape, begin, size]
const boxes: [string, number[], number[], number[]][] = [
  ['1-D', [10], [3], [5]],
  ['2-D rows (one run)', [6, 7], [2, 0], [3, 7]],
  ['2-D columns', [6, 7], [1, 2], [4, 3]],
  ['3-D, -1 size to the end', [4, 5, 6], [1, 2, 3], [-1, 2, -1]],
  ['4-D padding gradient shape: border off, channels whole', [3, 9, 8, 5], [0, 2, 1, 0], [3, 5, 6, 5]],
  ['4-D every axis cut', [3, 6, 7, 8], [1, 1, 2, 3], [2, 4, 3, 4]],
  ['4-D whole', [2, 3, 4, 5], [0, 0, 0, 0], [2, 3, 4, 5]],
  ['4-D empty', [2, 3, 4, 5], [0, 1, 0, 0], [2, 0, 4, 5]],
  ['5-D', [2, 3, 4, 3, 2], [1, 0, 1, 1, 0], [1, 3, 2, 2, 2]],
];

describe.each(boxes)('%s', (_name, shape, begin, size) => {
  it.each(['float32', 'int32', 'bool'] as const)('%s matches cpu', async (dtype) => {
    const values = randomValues(shape, 7);
    const make = () => {
      const x = tf.tensor(values, shape);
      return tf.slice(dtype === 'float32' ? x : dtype === 'int32' ? tf.cast(tf.mul(x, 100), 'int32') : tf.greater(x, 0), begin, size);
    };
    const [ours] = await valuesOn('wasm', make);
    const [reference] = await valuesOn('cpu', make);
    expect(Array.from(ours)).toEqual(Array.from(reference));
  });
});

it('the gradient of a padding is dy without its border, as on cpu', async () => {
  const shape = [2, 5, 6, 3] as const;
  const f = () => tf.grad((x: tfjs.Tensor) => tf.sum(tf.mul(tf.pad(x, [[0, 0], [2, 1], [1, 3], [0, 0]]), tf.range(0, 2 * 8 * 10 * 3).reshape([2, 8, 10, 3]))))(tf.tensor(randomValues(shape, 8), [...shape]));
  const [ours] = await valuesOn('wasm', f);
  expect(Array.from(ours)).toEqual(Array.from((await valuesOn('cpu', f))[0]));
});

describe('SplitV through the engine\'s Slice', () => {
  // [name, shape, sizes or count, axis]
  const splits: [string, number[], number[] | number, number][] = [
    ['channels of a map (a concatenation\'s gradient)', [2, 3, 4, 9], [2, 4, 3], 3],
    ['a -1 size, the last axis as -1', [2, 3, 4, 9], [5, -1], -1],
    ['equal pieces along rows', [2, 6, 4, 3], 3, 1],
    ['1-D with an empty piece', [7], [3, 0, 4], 0],
  ];
  it.each(splits)('%s: every piece as on cpu', async (_name, shape, sizes, axis) => {
    const values = randomValues(shape, 11);
    const make = () => tf.split(tf.tensor(values, shape), sizes, axis);
    const ours = await valuesOn('wasm', make);
    const reference = await valuesOn('cpu', make);
    expect(ours.length).toBe(reference.length);
    ours.forEach((piece, i) => expect(Array.from(piece), `piece ${i}`).toEqual(Array.from(reference[i])));
  });

  it('runs the registered Slice once per piece (not the stock slice it would import)', async () => {
    await tf.setBackend('wasm');
    const slice = tf.getKernel('Slice', 'wasm')!;
    let calls = 0;
    tf.unregisterKernel('Slice', 'wasm');
    tf.registerKernel({ ...slice, kernelFunc: (args) => ((calls += 1), slice.kernelFunc(args)) });
    try {
      tf.tidy(() => tf.split(tf.ones([2, 3, 4, 9]), [2, 4, 3], 3));
    } finally {
      tf.unregisterKernel('Slice', 'wasm');
      tf.registerKernel(slice);
    }
    expect(calls).toBe(3);
  });

  it('the gradient of a concatenation, as on cpu', async () => {
    const [a, b] = [randomValues([2, 3, 3, 4], 12), randomValues([2, 3, 3, 5], 13)];
    const weights = randomValues([2, 3, 3, 9], 14);
    const f = () => tf.grads((x: tfjs.Tensor, y: tfjs.Tensor) => tf.sum(tf.mul(tf.concat([x, y], 3), tf.tensor(weights, [2, 3, 3, 9]))))([tf.tensor(a, [2, 3, 3, 4]), tf.tensor(b, [2, 3, 3, 5])]);
    const ours = await valuesOn('wasm', f);
    const reference = await valuesOn('cpu', f);
    ours.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(reference[i])));
  });
});
