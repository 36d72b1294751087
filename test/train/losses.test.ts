import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { crossEntropy, pixelLoss } from '../../src/train/losses.js';

describe('losses, as torch.nn computes them', () => {
  it('cross-entropy with label smoothing: (1 - s) * onehot + s / classes, mean over the batch', () => {
    const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
    const labels = tf.tensor1d([0, 1], 'int32');
    const logSoftmax = (row: number[]) => {
      const m = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      return row.map((v) => v - m);
    };
    const expected = (s: number) =>
      [[[2, 0, -1], 0], [[0.5, 0.5, 3], 1]].reduce((sum, [row, y]) => {
        const lp = logSoftmax(row as number[]);
        return sum - lp.reduce((acc, v, c) => acc + v * ((c === y ? 1 - s : 0) + s / 3), 0);
      }, 0) / 2;
    expect(crossEntropy(tf, logits, labels, 0).dataSync()[0]).toBeCloseTo(expected(0), 5);
    expect(crossEntropy(tf, logits, labels, 0.1).dataSync()[0]).toBeCloseTo(expected(0.1), 5);
  });

  it('mse and l1 are means over every element', () => {
    const out = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const target = tf.tensor4d([0, 2, 5, 4], [1, 2, 2, 1]);
    expect(pixelLoss(tf, out, target, 'mse').dataSync()[0]).toBeCloseTo((1 + 0 + 4 + 0) / 4, 6);
    expect(pixelLoss(tf, out, target, 'l1').dataSync()[0]).toBeCloseTo((1 + 0 + 2 + 0) / 4, 6);
  });
});
