// Shared arithmetic of the shape rules, with PyTorch's formulas.
import { OpError, type Shape } from './op.js';

export type Pair = readonly [number, number];

/** An int or [h, w] parameter as [h, w], checked to be integers >= min. */
export function pair(value: unknown, what: string, min: number): Pair {
  const p = Array.isArray(value) ? value : [value, value];
  if (p.length !== 2 || p.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < min)) {
    throw new OpError(`${what} must be an integer >= ${min} or a pair of them, found ${JSON.stringify(value)}`);
  }
  return [p[0], p[1]];
}

export function positiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new OpError(`${what} must be an integer >= 1, found ${JSON.stringify(value)}`);
  return value;
}

export function image(shape: Shape, op: string): [number, number, number] {
  if (shape.length !== 3) throw new OpError(`${op} needs an image input [height, width, channels], found ${fmt(shape)}; it cannot follow flatten, dense or global_avgpool`);
  return [shape[0], shape[1], shape[2]];
}

/** Padding in pixels per side for PyTorch numbers, or TF-style 'same' / 'valid'. */
export function padding(value: unknown, kernel: Pair, dilation: Pair, stride: Pair): { before: Pair; after: Pair } {
  if (value === 'valid') return { before: [0, 0], after: [0, 0] };
  if (value === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new OpError("padding 'same' needs stride 1 (as PyTorch); give the padding in pixels instead");
    // PyTorch's 'same': total = dilation * (k - 1), the extra pixel (if odd) after.
    const total = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)];
    return { before: [Math.floor(total[0] / 2), Math.floor(total[1] / 2)], after: [Math.ceil(total[0] / 2), Math.ceil(total[1] / 2)] };
  }
  const p = pair(value, 'padding', 0);
  return { before: p, after: p };
}

/**
 * Whether TF's 'same' padding of a window over `input` pads exactly as `pad` (and the result has
 * the same size): then a conv takes its padding itself, without a padding layer copying its
 * input first. TF's 'same' pads max((ceil(in / s) - 1) * s + d * (k - 1) + 1 - in, 0) in all,
 * the odd pixel after; PyTorch's padding is symmetric, so they agree at stride 1 with an odd
 * reach, and at some strides and sizes (3x3, stride 2, padding 1 on an odd size).
 */
export function padsAsSame(input: Pair, kernel: Pair, stride: Pair, dilation: Pair, pad: { before: Pair; after: Pair }): boolean {
  return [0, 1].every((a) => {
    const reach = dilation[a] * (kernel[a] - 1) + 1;
    const total = Math.max((Math.ceil(input[a] / stride[a]) - 1) * stride[a] + reach - input[a], 0);
    return pad.before[a] === Math.floor(total / 2) && pad.after[a] === total - Math.floor(total / 2);
  });
}

/** floor((in + pads - dilation * (k - 1) - 1) / stride) + 1, per axis; errors if the window does not fit. */
export function windowOutput(op: string, input: Pair, kernel: Pair, stride: Pair, pad: { before: Pair; after: Pair }, dilation: Pair = [1, 1]): Pair {
  const out: number[] = [];
  for (const a of [0, 1]) {
    const padded = input[a] + pad.before[a] + pad.after[a];
    const reach = dilation[a] * (kernel[a] - 1) + 1;
    if (reach > padded) {
      throw new OpError(`${op} kernel ${kernel[0]}x${kernel[1]} is larger than its input ${input[0]}x${input[1]}${pad.before[a] + pad.after[a] ? ` (padded ${input[0] + pad.before[0] + pad.after[0]}x${input[1] + pad.before[1] + pad.after[1]})` : ''}`);
    }
    out.push(Math.floor((padded - reach) / stride[a]) + 1);
  }
  return [out[0], out[1]];
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
