// What one image's training forward keeps for the backward pass, per node, in floats: the node's
// output, and for ops built from several tfjs ops, what their intermediate results keep (each
// op's forward saves inputs for its gradient until the step's update). Every count is a lower
// bound read off the layer's composition (train/budget.ts refuses only what cannot run); an op
// not in KEPT_FLOATS keeps its output. No TensorFlow.js here.
import type { NodePlan } from './analyze.js';
import { INPUT } from './expand.js';
import { padding, padsAsSame, pair } from './shape-rules.js';

/** What the chosen backend has that changes what a step keeps. */
export interface KeepBackend {
  /** DepthwiseConv2dNativeBackpropInput/Filter: without them (tfjs-backend-wasm), and for any
   *  dilated depthwise conv, layers/grouped-conv.ts trains a depthwise conv tap by tap. */
  readonly depthwiseGradients: boolean;
}

type Kept = (node: NodePlan, backend: KeepBackend) => number;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Any op: its output. */
const output: Kept = (n) => size(n.shape);

/** Keeps nothing of its own: its output is its input's buffer. */
const view: Kept = () => 0;

export const KEPT_FLOATS: Readonly<Record<string, Kept>> = {
  // A reshape: the output shares its input's buffer.
  flatten: view,
  // tf.layers' linear activation returns its input itself.
  identity: view,
  // p = 0 returns its input itself (layers/stochastic-depth.ts); else x times a per-image mask,
  // [n, 1, 1, 1]: its output only.
  stochastic_depth: (n) => (n.params.p === 0 ? 0 : size(n.shape)),
  // reshape, transpose, reshape (layers/channel-shuffle.ts): the transpose's buffer is the output.
  channel_shuffle: output,
  // A [1, 1, c] gate times a [h, w, c] map: one broadcasting mul, whose output is the node's.
  multiply: output,
  // Size 1 is one mean. Any other size (enlarging included) is one matrix product per axis through
  // transposes (layers/adaptive-avgpool.ts, upsample.ts's alongHeight): the height pass's product
  // [oh, w, c] and its transpose are kept by the width pass's transpose and product.
  adaptive_avgpool: (n) => {
    const [oh, ow] = pair(n.params.size, 'size', 1);
    if (oh === 1 && ow === 1) return size(n.shape);
    const [, w, c] = n.inputShapes[0];
    return size(n.shape) + 2 * oh * w * c;
  },
  // layers/activation.ts's compositions: each intermediate is kept by the op that reads it.
  // silu = x * sigmoid(x): the sigmoid.
  silu: (n) => 2 * size(n.shape),
  // hardsigmoid = relu6(x + 3) / 6: x + 3 and the relu6.
  hardsigmoid: (n) => 3 * size(n.shape),
  // hardswish = x * (relu6(x + 3) / 6): x + 3, the relu6 and the division.
  hardswish: (n) => 4 * size(n.shape),
  // gelu = (x * 0.5) * (1 + erf(x / sqrt 2)): x * 0.5, x / sqrt 2, the erf and 1 + erf.
  gelu: (n) => 5 * size(n.shape),
  // A padded conv keeps TorchPad2D's output (its input, padded) for its gradient; a depthwise one
  // trained tap by tap keeps far more (depthwiseTaps).
  conv: (n, b) => size(n.shape) + paddedInput(n) + (tapByTap(n, b) ? depthwiseTaps(n) : 0),
};

/** Ops whose backward hands each input the output's gradient itself (a reshape of dy, no new buffer). */
const PASSES_GRADIENT: ReadonlySet<string> = new Set(['add', 'flatten', 'identity']);

/**
 * The gradient a node's backward hands its inputs, in floats per image: a new buffer of each
 * input's size, which tfjs's engine.gradients (the whole backward in one tidy) holds to the
 * step's update. None for the model's input, which takes no gradient.
 */
export function inputGradientFloats(n: NodePlan): number {
  if (PASSES_GRADIENT.has(n.op) || (n.op === 'stochastic_depth' && n.params.p === 0)) return 0;
  return n.inputShapes.reduce((sum, s, i) => (n.inputs[i] === INPUT ? sum : sum + size(s)), 0);
}

/** The floats a node's training forward keeps per image on `backend`. */
export function keptFloats(n: NodePlan, backend: KeepBackend): number {
  return (KEPT_FLOATS[n.op] ?? output)(n, backend);
}

function geometry(n: NodePlan) {
  const kernel = pair(n.params.kernel, 'kernel', 1);
  const stride = pair(n.params.stride ?? 1, 'stride', 1);
  const dilation = pair(n.params.dilation ?? 1, 'dilation', 1);
  return { kernel, stride, dilation, pad: padding(n.params.padding ?? 0, kernel, dilation, stride) };
}

/** A depthwise conv (groups = input channels) that grouped-conv.ts computes tap by tap in training. */
function tapByTap(n: NodePlan, b: KeepBackend): boolean {
  const channels = n.inputShapes[0][2];
  const groups = n.params.groups === 'depthwise' ? channels : Number(n.params.groups ?? 1);
  if (groups !== channels || channels === 1) return false;
  return !b.depthwiseGradients || geometry(n).dilation.some((d) => d > 1);
}

/** TorchPad2D's output before a padded conv: a new buffer the conv keeps. None where an ungrouped conv pads as TF's 'same' (ops/conv.ts: no padding layer). */
function paddedInput(n: NodePlan): number {
  const { kernel, stride, dilation, pad } = geometry(n);
  if ([...pad.before, ...pad.after].every((v) => v === 0)) return 0;
  const [h, w, c] = n.inputShapes[0];
  const grouped = n.params.groups === 'depthwise' ? c > 1 : Number(n.params.groups ?? 1) > 1;
  if (!grouped && padsAsSame([h, w], kernel, stride, dilation, pad)) return 0;
  return (h + pad.before[0] + pad.after[0]) * (w + pad.before[1] + pad.after[1]) * c;
}

/**
 * grouped-conv.ts's depthwise() in training, beyond the node's output: each input channel
 * repeated m times (m > 1), padded by s - 1 (P floats, kept by every tap's slice), then per tap
 * (kh * kw of them) a slice of P (strided: a window of s^2 * O floats, then its every s-th pixel,
 * O floats, the output's size), a multiply by the tap's weights (O) and an add to the running sum
 * (O). Slice keeps its input, mul and add both of theirs, so all of it lives until the backward;
 * and tfjs's engine.gradients runs the backward inside one tidy, so each tap's gradients live
 * until the step's update too (counted here only for this layer, whose taps multiply them).
 */
function depthwiseTaps(n: NodePlan): number {
  const [h, w, c] = n.inputShapes[0];
  const [oh, ow, filters] = n.shape;
  const { kernel: [kh, kw], stride: [s0, s1], pad } = geometry(n);
  const [ph, pw] = [h + pad.before[0] + pad.after[0], w + pad.before[1] + pad.after[1]];
  const taps = kh * kw;
  const out = oh * ow * filters;
  const repeated = filters > c ? ph * pw * filters : 0;
  const padded = (ph + s0 - 1) * (pw + s1 - 1) * filters;
  const window = s0 > 1 || s1 > 1 ? s0 * oh * s1 * ow * filters : 0;
  // Per tap: the strided window, the window, the product; a running sum from the second tap on,
  // the last of which is the node's output (counted already).
  const forward = repeated + padded + taps * (window + 2 * out) + Math.max(0, taps - 2) * out;
  // Per tap, made by the backward and held to its end: the window's gradient (O), the strided
  // window's (s^2 * O) and the slice's, padded back to P.
  const backward = taps * (out + window + padded);
  return forward + backward;
}
