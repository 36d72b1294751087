// Turning parameters as written (56, [56], [56, 64]; 20 or [-20, 20]) into the forms the
// functions take, with torchvision's rules and its checks, failing with the step's location.

import { fillColor } from './image.js';
import type { CompileContext } from './op.js';

export type SizeParam = number | readonly number[];
export type FillParam = number | readonly number[];
export type RangeParam = number | readonly number[];

/** torchvision's _setup_size: n -> [n, n], [n] -> [n, n], [h, w] as is. */
export function toSize(size: SizeParam): [number, number] {
  if (typeof size === 'number') return [size, size];
  return size.length === 1 ? [size[0], size[0]] : [size[0], size[1]];
}

/** torchvision's _setup_angle: a number d >= 0 means [-d, d]; a pair is [min, max]. */
export function symmetricRange(value: RangeParam, name: string, ctx: CompileContext): [number, number] {
  if (typeof value === 'number') {
    if (value < 0) throw ctx.fail(`${name} must not be negative when it is one number, got ${value}`, `write [min, max] for a one-sided range`);
    return [-value, value];
  }
  return orderedPair(value, name, ctx);
}

export function orderedPair(value: readonly number[], name: string, ctx: CompileContext): [number, number] {
  if (value.length !== 2) throw ctx.fail(`${name} must be [min, max], got ${JSON.stringify(value)}`);
  if (!(value[0] <= value[1])) throw ctx.fail(`${name} must be [min, max] with min <= max, got ${JSON.stringify(value)}`);
  return [value[0], value[1]];
}

/** Checks a fill against a known channel count; at run time image.ts's fillColor checks it. */
export function checkFill(fill: FillParam, channels: number | null, name: string, ctx: CompileContext): void {
  if (channels === null || typeof fill === 'number') return;
  if (fill.length !== channels) {
    throw ctx.fail(`${name} has ${fill.length} values but the images have ${channels} channel(s)`, 'give one grey level, or one value per channel');
  }
}

/** A fill colour per channel count, converted once per count (images of one data set share it). */
export function fillCache(fill: FillParam): (channels: number) => Uint8Array {
  const byChannels = new Map<number, Uint8Array>();
  return (channels) => {
    let color = byChannels.get(channels);
    if (!color) byChannels.set(channels, (color = fillColor(fill, channels)));
    return color;
  };
}
