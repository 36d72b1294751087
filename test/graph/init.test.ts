import { describe, expect, it } from 'vitest';
import { distribution, drawValues, fansOf, gain } from '../../src/graph/init.js';
import type { Initializer } from '../../src/config/types.js';

function moments(xs: Float32Array): { mean: number; variance: number } {
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  return { mean, variance: v / xs.length };
}

// A 3x3 conv from 64 to 128 channels: fan_in = 576, fan_out = 1152.
const shape = [3, 3, 64, 128];
const fans = fansOf(shape);
const N = 3 * 3 * 64 * 128;

describe('initialisers: empirical variance against torch.nn.init formulas', () => {
  it('computes fans as PyTorch does', () => {
    expect(fans).toEqual({ fanIn: 576, fanOut: 1152 });
    expect(fansOf([200, 10])).toEqual({ fanIn: 200, fanOut: 10 });
    expect(gain('relu')).toBeCloseTo(Math.SQRT2);
    expect(gain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3));
  });

  it.each<[string, Initializer, number, number]>([
    ['kaiming_normal fan_out relu', { type: 'kaiming_normal', mode: 'fan_out', nonlinearity: 'relu' }, 0, 2 / 1152],
    ['kaiming_normal (torch defaults: fan_in, leaky_relu a=0)', 'kaiming_normal', 0, 2 / 576],
    ['kaiming_uniform fan_in relu', { type: 'kaiming_uniform', mode: 'fan_in', nonlinearity: 'relu' }, 0, 2 / 576],
    ['xavier_uniform', 'xavier_uniform', 0, 2 / (576 + 1152)],
    ['xavier_normal gain 2', { type: 'xavier_normal', gain: 2 }, 0, (4 * 2) / (576 + 1152)],
    ['normal(0.5, 0.01)', { type: 'normal', mean: 0.5, std: 0.01 }, 0.5, 1e-4],
    ['uniform(-2, 4)', { type: 'uniform', low: -2, high: 4 }, 1, 36 / 12],
    ['pytorch (kaiming_uniform a=sqrt 5): U(+-1/sqrt(fan_in))', 'pytorch', 0, 1 / (3 * 576)],
    ['pytorch fan_out (EfficientNet\'s Linear): U(+-1/sqrt(fan_out))', { type: 'pytorch', mode: 'fan_out' }, 0, 1 / (3 * 1152)],
  ])('%s', (_name, spec, mean, variance) => {
    const m = moments(drawValues(distribution(spec, 'kernel', fans), N, 0, 'test'));
    expect(Math.abs(m.mean - mean)).toBeLessThan(4 * Math.sqrt(variance / N) + 1e-9);
    expect(m.variance / variance).toBeGreaterThan(0.97);
    expect(m.variance / variance).toBeLessThan(1.03);
  });

  it('gives constants exactly, and pytorch biases U(+-1/sqrt(fan_in))', () => {
    expect(drawValues(distribution('zeros', 'bias', fans), 4, 0, 's')).toEqual(new Float32Array(4));
    expect(drawValues(distribution({ type: 'constant', value: 0.1 }, 'bias', fans), 2, 0, 's')).toEqual(new Float32Array([0.1, 0.1]));
    const b = drawValues(distribution('pytorch', 'bias', fans), 10_000, 0, 'bias');
    expect(Math.max(...b)).toBeLessThanOrEqual(1 / Math.sqrt(576));
    expect(moments(b).variance * 3 * 576).toBeCloseTo(1, 1);
  });

  it('is a function of the seed and the weight name only', () => {
    const d = distribution('kaiming_normal', 'kernel', fans);
    expect(drawValues(d, 16, 3, 'init/m/conv/kernel')).toEqual(drawValues(d, 16, 3, 'init/m/conv/kernel'));
    expect(drawValues(d, 16, 3, 'init/m/conv/kernel')).not.toEqual(drawValues(d, 16, 4, 'init/m/conv/kernel'));
    expect(drawValues(d, 16, 3, 'init/m/conv/kernel')).not.toEqual(drawValues(d, 16, 3, 'init/m/other/kernel'));
  });
});
