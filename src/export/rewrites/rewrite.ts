// The contract of a stock rewrite: one engine layer (or a stock layer stock tfjs cannot run as
// configured) in, stock layers that compute the same function at inference out.
import type { LayerJson, NamedWeight, TensorRef } from '../topology.js';

export interface RewriteContext {
  /** Layers of the source model that take any output of `name` as an input. */
  consumers(name: string): readonly LayerJson[];
  /** Whether `ref` is provably >= 0 everywhere (see nonnegative.ts). */
  nonNegative(ref: TensorRef): boolean;
  /** The channel count of a source tensor, where the layers' configs fix it (see channels.ts). */
  channels(ref: TensorRef): number | null;
  /** A weight of the source model by its manifest name; a missing one is a damaged model. */
  weight(name: string): NamedWeight;
  /** `base` if no layer has that name yet, else `base_1`, `base_2`...; reserved once returned. */
  freshName(base: string): string;
  /** Throws the refusal for `layer`: `why` it has no stock form. */
  refuse(layer: LayerJson, why: string): never;
}

export interface Replacement {
  /** The new layers, in an order in which each one's inputs come before it. */
  readonly layers: readonly LayerJson[];
  /** What stands for the replaced layer's output from now on. */
  readonly output: TensorRef;
  /** A consumer of the layer that the new layers compute as well (a max pool and its padding): its output is `output` too. */
  readonly absorbs?: string;
  /** Weights of the source model no new layer uses, and weights the new layers bring. */
  readonly dropWeights?: readonly string[];
  readonly addWeights?: readonly NamedWeight[];
}

export interface StockRewrite {
  /** The class name in model.json this rewrite handles. */
  readonly className: string;
  /** `input` is the (already rewritten) input of the layer's single call. */
  rewrite(layer: LayerJson, input: TensorRef, ctx: RewriteContext): Replacement;
}

/** A whole number >= min from a layer's config, or the refusal naming the field. */
export function wholeField(layer: LayerJson, value: unknown, field: string, ctx: RewriteContext, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 1e6) ctx.refuse(layer, `its ${field} is ${JSON.stringify(value)}, not a whole number from ${min} to 1000000 (is model.json damaged?)`);
  return value;
}

/** A [height, width] pair of whole numbers from a layer's config. */
export function pairField(layer: LayerJson, field: string, ctx: RewriteContext, min = 0): [number, number] {
  const v = layer.config[field];
  const pair = Array.isArray(v) && v.length === 2 ? v : typeof v === 'number' ? [v, v] : null;
  if (!pair) ctx.refuse(layer, `its ${field} is ${JSON.stringify(v)}, not a number or a pair (is model.json damaged?)`);
  return [wholeField(layer, pair[0], field, ctx, min), wholeField(layer, pair[1], field, ctx, min)];
}
