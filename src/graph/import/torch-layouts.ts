// How PyTorch stores each weighted op's tensors, and how they become the engine's. A registry keyed
// by op name, as the ops themselves: an op with weights and no entry here is refused by the import
// (check.ts), never loaded in a guessed layout. The engine weight is found by the end of its
// tfjs name (conv2d's `.../kernel`, BatchNormalization's `.../moving_mean`).
//   conv            torch [out, in / groups, kh, kw] (OIHW)  -> [kh, kw, in / groups, out] (HWIO);
//                   a depthwise kernel [kh, kw, in, multiplier] is the same values: output
//                   channel o = i * multiplier + m in both.
//   conv_transpose  torch [in, out, kh, kw]                  -> [kh, kw, out, in]
//   dense           torch [out, in]                          -> [in, out], its rows reordered
//                   from PyTorch's flatten order (c, h, w) to pipe's (h, w, c) where the input
//                   is a flattened feature map (see flattenedFrom)
//   batchnorm       weight, bias, running_mean, running_var  -> gamma, beta, moving_mean,
//                   moving_variance (per feature: reordered too after a flatten)
import type { NodePlan } from '../analyze.js';
import { OpError } from '../op.js';
import { fmt } from '../shape-rules.js';

export interface TorchTensor {
  /** Suffix of PyTorch's name: `<module>.weight`, `.bias`, `.running_mean`, `.running_var`. */
  readonly torch: string;
  /** The end of the engine weight's name it fills: kernel, bias, gamma, beta, moving_mean, moving_variance. */
  readonly engine: string;
  /** The shape PyTorch stores it in. */
  readonly shape: readonly number[];
  /** PyTorch's values, in the engine's layout (the engine's shape is checked against `size`). */
  toEngine(values: Float32Array): Float32Array;
}

/** The node, its graph (to look upstream) and where each node's output comes from. */
export type TorchLayout = (node: NodePlan, upstream: Upstream) => readonly TorchTensor[];

/** The node that produces a flat name's output, or undefined for the model's input. */
export type Upstream = (name: string) => NodePlan | undefined;

const same = (values: Float32Array) => values;

const conv: TorchLayout = (node) => {
  const [kh, kw] = pair(node.params.kernel);
  const inPerGroup = node.inputShapes[0][2] / groupsOf(node);
  const out = node.shape[2];
  const tensors: TorchTensor[] = [{ torch: 'weight', engine: kernelName(node), shape: [out, inPerGroup, kh, kw], toEngine: (v) => permute(v, [out, inPerGroup, kh, kw], [2, 3, 1, 0]) }];
  if (node.params.bias !== false) tensors.push({ torch: 'bias', engine: 'bias', shape: [out], toEngine: same });
  return tensors;
};

const convTranspose: TorchLayout = (node) => {
  const [kh, kw] = pair(node.params.kernel);
  const inC = node.inputShapes[0][2];
  const out = node.shape[2];
  const tensors: TorchTensor[] = [{ torch: 'weight', engine: 'kernel', shape: [inC, out, kh, kw], toEngine: (v) => permute(v, [inC, out, kh, kw], [2, 3, 1, 0]) }];
  if (node.params.bias !== false) tensors.push({ torch: 'bias', engine: 'bias', shape: [out], toEngine: same });
  return tensors;
};

const dense: TorchLayout = (node, upstream) => {
  const inF = node.inputShapes[0][0];
  const out = node.shape[0];
  const map = flattenedFrom(node, upstream);
  // torch [out, in] -> engine [in, out]: transposed, then engine row e takes torch column map[e].
  const toEngine = (v: Float32Array) => {
    const t = permute(v, [out, inF], [1, 0]);
    return map ? gatherRows(t, map, out) : t;
  };
  const tensors: TorchTensor[] = [{ torch: 'weight', engine: 'kernel', shape: [out, inF], toEngine }];
  if (node.params.bias !== false) tensors.push({ torch: 'bias', engine: 'bias', shape: [out], toEngine: same });
  return tensors;
};

const batchnorm: TorchLayout = (node, upstream) => {
  const c = node.shape[node.shape.length - 1];
  const map = node.shape.length === 1 ? flattenedFrom(node, upstream) : null;
  const toEngine = (v: Float32Array) => (map ? gatherRows(v, map, 1) : v);
  const stats: TorchTensor[] = [
    { torch: 'running_mean', engine: 'moving_mean', shape: [c], toEngine },
    { torch: 'running_var', engine: 'moving_variance', shape: [c], toEngine },
  ];
  if (node.params.affine === false) return stats;
  return [{ torch: 'weight', engine: 'gamma', shape: [c], toEngine }, { torch: 'bias', engine: 'beta', shape: [c], toEngine }, ...stats];
};

export const torchLayouts: Readonly<Record<string, TorchLayout>> = { conv, conv_transpose: convTranspose, dense, batchnorm };

/** A conv's channel groups: a number, or `depthwise` (one per input channel). */
function groupsOf(node: NodePlan): number {
  return node.params.groups === 'depthwise' ? node.inputShapes[0][2] : Number(node.params.groups ?? 1);
}

/** tfjs names a depthwise conv's kernel `depthwise_kernel`, should the engine store one as tfjs does. */
function kernelName(node: NodePlan): string {
  const groups = groupsOf(node);
  return groups > 1 && groups === node.inputShapes[0][2] ? 'kernel|depthwise_kernel' : 'kernel';
}

/**
 * For a flat input that is a flattened [h, w, c] feature map (through any shape-keeping ops:
 * dropout, relu, batchnorm...): for each of pipe's features (h, w, c order), the index of the
 * same feature in PyTorch's flatten order (c, h, w). Null where the orders agree (no flatten, or
 * h = w = 1, or c = 1). A join of flat inputs (add, concat) whose order cannot be told is refused.
 */
export function flattenedFrom(node: NodePlan, upstream: Upstream): Int32Array | null {
  let at = upstream(node.inputs[0]);
  while (at && at.op !== 'flatten') {
    if (at.inputs.length !== 1) {
      if (at.inputs.some((i) => reachesImageFlatten(upstream(i), upstream))) {
        throw new OpError(`its input joins flattened feature maps (${at.op} '${at.name}'): their PyTorch feature order cannot be told; flatten after the join, or use global_avgpool`);
      }
      return null;
    }
    if (fmt(at.shape) !== fmt(at.inputShapes[0])) return null; // a dense or a pool: a new feature order
    at = upstream(at.inputs[0]);
  }
  if (!at) return null;
  const [h, w, c] = at.inputShapes[0];
  if (at.inputShapes[0].length !== 3 || h * w === 1 || c === 1) return null;
  const map = new Int32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) map[(y * w + x) * c + ch] = ch * h * w + y * w + x;
  return map;
}

function reachesImageFlatten(n: NodePlan | undefined, upstream: Upstream): boolean {
  for (let at = n; at; at = at.inputs.length === 1 ? upstream(at.inputs[0]) : undefined) {
    if (at.op === 'flatten') return at.inputShapes[0].length === 3;
    if (at.inputs.length !== 1) return at.inputs.some((i) => reachesImageFlatten(upstream(i), upstream));
  }
  return false;
}

/** Row e of the result is row map[e] of `rows` (each row `width` values). */
function gatherRows(rows: Float32Array, map: Int32Array, width: number): Float32Array {
  const out = new Float32Array(rows.length);
  for (let e = 0; e < map.length; e++) out.set(rows.subarray(map[e] * width, (map[e] + 1) * width), e * width);
  return out;
}

/** A row-major tensor of `shape` with its axes reordered: output axis k is input axis order[k]. */
export function permute(values: Float32Array, shape: readonly number[], order: readonly number[]): Float32Array {
  const outShape = order.map((a) => shape[a]);
  const inStrides = strides(shape);
  const stepOf = order.map((a) => inStrides[a]);
  const out = new Float32Array(values.length);
  const idx = new Array<number>(shape.length).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = values[src];
    // Advance the output index like an odometer, moving `src` by the matching input strides.
    for (let k = outShape.length - 1; k >= 0; k--) {
      idx[k]++;
      src += stepOf[k];
      if (idx[k] < outShape[k]) break;
      src -= stepOf[k] * outShape[k];
      idx[k] = 0;
    }
  }
  return out;
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1] * shape[k + 1];
  return s;
}

function pair(v: unknown): [number, number] {
  return Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)];
}
