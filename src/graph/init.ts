// Weight initialisers with torch.nn.init's formulas, drawn from the engine's seeded Rng so a
// pipeline's seed fixes every initial weight. Fans as PyTorch computes them: for a kernel
// [kh, kw, a, b] (conv: a = in, b = out; transposed conv: a = out, b = in, as PyTorch's weight
// [in, out, kh, kw] has fan_in = out * kh * kw), fan_in = kh * kw * a and fan_out = kh * kw * b;
// for a dense kernel [in, out], fan_in = in and fan_out = out.
import type { Initializer } from '../config/types.js';
import { Rng } from '../random.js';

export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

export function fansOf(kernelShape: readonly number[]): Fans {
  if (kernelShape.length === 2) return { fanIn: kernelShape[0], fanOut: kernelShape[1] };
  const field = kernelShape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: field * kernelShape[kernelShape.length - 2], fanOut: field * kernelShape[kernelShape.length - 1] };
}

/** torch.nn.init.calculate_gain. */
export function gain(nonlinearity: string, a = 0): number {
  switch (nonlinearity) {
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + a * a));
    case 'tanh':
      return 5 / 3;
    default:
      return 1; // linear, sigmoid
  }
}

type Draw = { kind: 'normal'; mean: number; std: number } | { kind: 'uniform'; low: number; high: number } | { kind: 'constant'; value: number };

/**
 * What an initialiser draws for a tensor with these fans. `role` matters only for `pytorch`:
 * torch.nn's conv and linear layers use kaiming_uniform(a = sqrt(5)) for weights, i.e.
 * U(+-sqrt(6 / ((1 + 5) * fan_in))) = U(+-1/sqrt(fan_in)), and U(+-1/sqrt(fan_in)) for biases.
 */
export function distribution(spec: Initializer, role: 'kernel' | 'bias', fans: Fans): Draw {
  const s = typeof spec === 'string' ? { type: spec } : spec;
  const num = (k: string, d: number) => (typeof s[k as keyof typeof s] === 'number' ? (s[k as keyof typeof s] as number) : d);
  const fan = (s as { mode?: string }).mode === 'fan_out' ? fans.fanOut : fans.fanIn;
  const g = gain(String((s as { nonlinearity?: string }).nonlinearity ?? 'leaky_relu'), num('a', 0));
  switch (s.type) {
    case 'zeros':
      return { kind: 'constant', value: 0 };
    case 'ones':
      return { kind: 'constant', value: 1 };
    case 'constant':
      return { kind: 'constant', value: num('value', 0) };
    case 'normal':
      return { kind: 'normal', mean: num('mean', 0), std: num('std', 1) };
    case 'uniform':
      return { kind: 'uniform', low: num('low', 0), high: num('high', 1) };
    case 'kaiming_normal':
      return { kind: 'normal', mean: 0, std: g / Math.sqrt(fan) };
    case 'kaiming_uniform': {
      const bound = g * Math.sqrt(3 / fan);
      return { kind: 'uniform', low: -bound, high: bound };
    }
    case 'xavier_normal':
      return { kind: 'normal', mean: 0, std: num('gain', 1) * Math.sqrt(2 / (fans.fanIn + fans.fanOut)) };
    case 'xavier_uniform': {
      const bound = num('gain', 1) * Math.sqrt(6 / (fans.fanIn + fans.fanOut));
      return { kind: 'uniform', low: -bound, high: bound };
    }
    case 'pytorch': {
      // mode fan_out: U(+-1/sqrt(fan_out)), torchvision EfficientNet's Linear init.
      const bound = fan > 0 ? 1 / Math.sqrt(fan) : 0;
      return role === 'kernel' || bound > 0 ? { kind: 'uniform', low: -bound, high: bound } : { kind: 'constant', value: 0 };
    }
    default:
      throw new Error(`unknown initialiser '${String(s.type)}'`); // the schema admits none other
  }
}

/** Draws `size` values; the stream is named by the weight, so adding a layer moves no other. */
export function drawValues(d: Draw, size: number, seed: number, stream: string): Float32Array {
  const out = new Float32Array(size);
  if (d.kind === 'constant') return out.fill(d.value);
  const rng = Rng.from(seed, stream);
  for (let i = 0; i < size; i++) out[i] = d.kind === 'normal' ? d.mean + d.std * rng.normal() : rng.uniform(d.low, d.high);
  return out;
}
