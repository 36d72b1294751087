// The contract of one entry of the converter registry (layers/registry.ts): a tfjs layer class
// in, ONNX nodes out. A converter reads its layer's config and weights through LayerContext,
// which checks each value and names the field and what it found when one is wrong.
import type { AttrValue, OnnxGraph } from './onnx-graph.js';
import { LayerRefusal } from './refusal.js';
import type { StoredWeight } from './stored-model.js';
import type { TopologyLayer } from './topology.js';

/**
 * A tensor of the ONNX graph and its shape per example, as the engine sees it: [h, w, c] for an
 * image (stored NCHW in the ONNX graph: ONNX's convolutions and pools are channels-first) or [n]
 * for a flat vector (stored [batch, n]).
 */
export interface Value {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface LayerConverter {
  /** The tfjs layer class (model.json's class_name) it converts. */
  readonly className: string;
  /** The pipe ops that compile to this class (for docs and messages). */
  readonly ops: readonly string[];
  convert(ctx: LayerContext, inputs: readonly Value[]): Value;
}

export class LayerContext {
  constructor(
    readonly graph: OnnxGraph,
    readonly layer: TopologyLayer,
    /** The name of this application of the layer: its own, or `name:k` for a shared layer's k-th. */
    readonly name: string,
    private readonly weights: ReadonlyMap<string, StoredWeight>,
  ) {}

  /** A node whose tensor is named after the layer (`suffix`: a step inside it, `name/suffix`). */
  emit(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, suffix?: string): string {
    return this.graph.node(opType, inputs, suffix ? `${this.name}/${suffix}` : this.name, attrs);
  }

  /** The layer's weight `which` (stored as `layer/which`), which must have shape `expected`. */
  weight(which: string, expected: readonly number[]): StoredWeight {
    const key = `${this.layer.name}/${which}`;
    const w = this.weights.get(key);
    if (!w) throw new LayerRefusal(`weight '${which}' is not in the weights manifest (expected ${JSON.stringify(key)})`, 'the weight file belongs to another model.json');
    if (w.shape.join(',') !== expected.join(',')) throw new LayerRefusal(`weight '${which}' has shape [${w.shape.join(', ')}], the layer's config and input need [${expected.join(', ')}]`);
    return w;
  }

  /** A float32 constant of this layer (a weight in ONNX layout, a factor), named `layer/which`. */
  floats(which: string, dims: readonly number[], data: Float32Array): string {
    return this.graph.floats(`${this.layer.name}/${which}`, dims, data);
  }

  /** An int64 constant of this layer, named `layer/which`. */
  int64s(which: string, values: readonly number[]): string {
    return this.graph.int64s(`${this.layer.name}/${which}`, values);
  }

  /** A config field that must be a finite number. */
  num(key: string, fallback?: number): number {
    const v = this.config(key, fallback);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.bad(key, v, 'a finite number');
    return v;
  }

  /** A config field that must be a whole number >= min. */
  int(key: string, min: number, fallback?: number): number {
    const v = this.config(key, fallback);
    if (!Number.isSafeInteger(v) || (v as number) < min) throw this.bad(key, v, `a whole number >= ${min}`);
    return v as number;
  }

  /** A config field naming an axis: a whole number, negative counting from the end. */
  axis(key: string, fallback: number): number {
    const v = this.config(key, fallback);
    if (!Number.isSafeInteger(v)) throw this.bad(key, v, 'a whole number (an axis)');
    return v as number;
  }

  /** A config field holding two whole numbers >= min (one number stands for both). */
  pair(key: string, min: number, fallback?: readonly [number, number]): [number, number] {
    const v = this.config(key, fallback);
    const list = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(list) || list.length !== 2 || !list.every((x) => Number.isSafeInteger(x) && x >= min)) throw this.bad(key, v, `two whole numbers >= ${min}`);
    return [list[0], list[1]];
  }

  /** A config field that must be one of `allowed`. */
  choice<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
    const v = this.config(key, fallback);
    if (!allowed.includes(v as T)) throw this.bad(key, v, allowed.map((a) => `'${a}'`).join(' or '));
    return v as T;
  }

  /** A boolean config field. */
  flag(key: string, fallback: boolean): boolean {
    const v = this.config(key, fallback);
    if (typeof v !== 'boolean') throw this.bad(key, v, 'true or false');
    return v;
  }

  private config(key: string, fallback: unknown): unknown {
    const v = this.layer.config[key];
    return v === undefined || v === null ? fallback : v;
  }

  private bad(key: string, v: unknown, expected: string): LayerRefusal {
    return new LayerRefusal(`config.${key} is ${JSON.stringify(v)?.slice(0, 80) ?? 'missing'}; the export needs ${expected}`);
  }
}

/** The image [h, w, c] a layer needs, or a refusal naming what it got. */
export function imageInput(v: Value, what: string): [number, number, number] {
  if (v.shape.length !== 3) throw new LayerRefusal(`${what} needs an image input [h, w, c], found [${v.shape.join(', ')}]`);
  return [v.shape[0], v.shape[1], v.shape[2]];
}

/** The length of the flat vector a layer needs, or a refusal naming what it got. */
export function flatInput(v: Value, what: string): number {
  if (v.shape.length !== 1) throw new LayerRefusal(`${what} needs a flat input [n], found [${v.shape.join(', ')}]`);
  return v.shape[0];
}

/** The ONNX axis (NCHW for images, [batch, n] for vectors) of a tfjs axis (NHWC / [batch, n]; negative from the end). */
export function onnxAxis(axis: number, shape: readonly number[]): number {
  const rank = shape.length + 1;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 1 || a >= rank) throw new LayerRefusal(`axis ${axis} is not a feature axis of a [batch, ${shape.join(', ')}] tensor`);
  return shape.length === 3 ? [0, 2, 3, 1][a] : a;
}
