// The ONNX graph being written: nodes in order, initializers by name, and the tensor names in
// use (ONNX needs them unique). Plain objects of onnx-proto's message interfaces; encoding is
// convert.ts's. Every node is named after the tensor it makes, so node and tensor names both
// read as the pipe node they came from.
import type { onnx } from 'onnx-proto';

/** An attribute value: ONNX distinguishes ints from floats, so the kind is explicit. */
export type AttrValue = { readonly i: number } | { readonly f: number } | { readonly s: string } | { readonly ints: readonly number[] } | { readonly floats: readonly number[] };

// onnx.AttributeProto.AttributeType and onnx.TensorProto.DataType, as numbers: importing the
// enums would load protobufjs for a type.
const ATTR = { f: 1, i: 2, s: 3, floats: 6, ints: 7 } as const;
export const FLOAT = 1;
export const INT64 = 7;

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  if ('i' in v) return { name, type: ATTR.i, i: v.i };
  if ('f' in v) return { name, type: ATTR.f, f: v.f };
  if ('s' in v) return { name, type: ATTR.s, s: new TextEncoder().encode(v.s) };
  if ('ints' in v) return { name, type: ATTR.ints, ints: [...v.ints] };
  return { name, type: ATTR.floats, floats: [...v.floats] };
}

export class OnnxGraph {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers = new Map<string, onnx.ITensorProto>();
  private readonly used = new Set<string>();
  /** Bytes of initializer data so far (protobuf caps a message at 2 GiB). */
  bytes = 0;

  /** `name`, or `name#2`, `name#3`... when a tensor already has it (a layer named like a tensor
   *  this export made up, e.g. `x/nchw`). */
  fresh(name: string): string {
    let out = name;
    for (let k = 2; this.used.has(out); k++) out = `${name}#${k}`;
    this.used.add(out);
    return out;
  }

  /** Adds a node making one tensor, named (node and tensor) `output` or a fresh variant. */
  node(opType: string, inputs: readonly string[], output: string, attrs: Readonly<Record<string, AttrValue>> = {}): string {
    const name = this.fresh(output);
    this.nodes.push({ name, opType, input: [...inputs], output: [name], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return name;
  }

  /** A float32 initializer; the same name twice (a shared layer's weight) is added once. */
  floats(name: string, dims: readonly number[], data: Float32Array): string {
    if (this.initializers.has(name)) return name;
    this.used.add(name);
    this.bytes += data.byteLength;
    this.initializers.set(name, { name, dims: [...dims], dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  /** An int64 initializer (Pad's pads, Resize's shape operands), little-endian as ONNX stores it. */
  int64s(name: string, values: readonly number[]): string {
    if (this.initializers.has(name)) return name;
    this.used.add(name);
    const data = BigInt64Array.from(values.map(BigInt));
    this.initializers.set(name, { name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** Renames a tensor everywhere it is made or read. */
  rename(from: string, to: string): void {
    for (const n of this.nodes) {
      n.input = n.input!.map((t) => (t === from ? to : t));
      if (n.output![0] === from) {
        n.output = [to];
        n.name = to;
      }
    }
    this.used.delete(from);
    this.used.add(to);
  }
}

/** `data` (row-major, `shape`) with its axes reordered: out axis i is input axis perm[i]. */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const strides = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let a = 0; a < index.length; a++) src += index[a] * strides[a];
    out[o] = data[src];
    for (let a = index.length - 1; a >= 0; a--) {
      if (++index[a] < outShape[a]) break;
      index[a] = 0;
    }
  }
  return out;
}
