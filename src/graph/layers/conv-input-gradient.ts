// tf.layers' Conv2D runs tf.fused.conv2d, whose gradient (a customGrad) computes the gradient of
// the conv's input eagerly, together with the filter's, whether or not anything upstream trains.
// For a model's first conv that is a full backward convolution thrown away: on the Fashion-MNIST
// ResNet's 7x7 stem over one channel, about 15% of a training step on wasm-onednn (PyTorch's
// autograd skips it: the images do not require grad).
//
// So, while a training step takes gradients of variables only (`gradientsOfVariablesOnly`, the
// only way the engine differentiates a model), a Conv2D without a fused activation whose input no
// variable fed (found on the active tape) runs the same FusedConv2D kernel under a gradient that
// computes only the filter's and the bias's, with the very kernels and arguments tfjs's own
// gradient uses: the numbers are the same, bit for bit. Anywhere else (inference, gradients with
// respect to the input, activations fused into the conv) the stock call runs.
import * as tf from '@tensorflow/tfjs';
import { dilatedConv, type DilatedConvLayer } from './conv-dilated.js';

let depth = 0;

/** Runs `f` (a forward pass inside tf.variableGrads) telling convs that only variables need gradients. */
export function gradientsOfVariablesOnly<T>(f: () => T): T {
  depth++;
  try {
    return f();
  } finally {
    depth--;
  }
}

interface TapeNode {
  readonly inputs: Readonly<Record<string, tf.Tensor>>;
  readonly outputs: readonly tf.Tensor[];
}

/** Per tape: which node made each tensor (by id), for the nodes seen so far. */
const producers = new WeakMap<TapeNode[], { readonly byOutput: Map<number, TapeNode>; seen: number }>();

/** Whether `x` was computed, on the active tape, from any variable (trainable or not: the safe side). */
export function fedByVariable(x: tf.Tensor): boolean {
  const tape = (tf.engine().state as unknown as { activeTape: TapeNode[] | null }).activeTape;
  if (!tape) return true;
  let index = producers.get(tape);
  if (!index) producers.set(tape, (index = { byOutput: new Map(), seen: 0 }));
  for (; index.seen < tape.length; index.seen++) for (const out of tape[index.seen].outputs) index.byOutput.set(out.id, tape[index.seen]);
  const todo = [x];
  const visited = new Set<number>();
  for (let t = todo.pop(); t; t = todo.pop()) {
    if (t instanceof tf.Variable) return true;
    if (visited.has(t.id)) continue;
    visited.add(t.id);
    const node = index.byOutput.get(t.id);
    if (node) todo.push(...Object.values(node.inputs));
  }
  return false;
}

interface ConvLayer {
  readonly kernel: { read(): tf.Tensor };
  readonly bias: { read(): tf.Tensor } | null;
  readonly strides: number[];
  readonly padding: string;
  readonly dataFormat: string;
  readonly dilationRate: number[];
  readonly rank: number;
  readonly activation: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
}

/** y = conv(x, filter) + bias as FusedConv2D computes it, differentiable in filter and bias only. */
function convWithoutInputGradient(x: tf.Tensor4D, layer: ConvLayer): tf.Tensor {
  const strides = layer.strides as [number, number];
  const pad = layer.padding === 'same' ? 'same' : 'valid';
  const dilations = layer.dilationRate as [number, number];
  const filter = layer.kernel.read() as tf.Tensor4D;
  const bias = layer.bias?.read() ?? null;
  const forward = (f: tf.Tensor4D, b: tf.Tensor | null) => tf.fused.conv2d({ x, filter: f, bias: b ?? undefined, strides, pad, dataFormat: 'NHWC', dilations, activation: 'linear' });
  // As tfjs-core's fused conv2d gradient: conv2DBackpropFilter(x, dy, filter.shape, strides, pad)
  // and, for the bias, dy summed over every axis but the channels.
  const filterGrad = (dy: tf.Tensor, saved: tf.Tensor[]) =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x: saved[0], dy }, { strides, pad, dataFormat: 'NHWC', filterShape: filter.shape }) as tf.Tensor;
  // customGrad's inputs are the tensors to differentiate, then its save function.
  type Args = (tf.Tensor | tf.GradSaveFunc)[];
  if (bias === null) {
    return tf.customGrad((...args: Args) => {
      const [f, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
      save([x]);
      return { value: forward(f, null), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [filterGrad(dy, saved)] };
    })(filter);
  }
  return tf.customGrad((...args: Args) => {
    const [f, b, save] = args as [tf.Tensor4D, tf.Tensor, tf.GradSaveFunc];
    save([x]);
    return {
      value: forward(f, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [filterGrad(dy, saved), tf.reshape(tf.sum(dy, [0, 1, 2]), b.shape)],
    };
  })(filter, bias);
}

/** Installs the skip on tf.layers' Conv2D (once; its instances made before and after), and the trainable dilated path. */
export function installConvInputGradientSkip(): void {
  const proto = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })) as { call: (this: ConvLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: object) => tf.Tensor; __pipeSkip?: true };
  if (proto.__pipeSkip) return;
  const stock = proto.call;
  proto.call = function (this: ConvLayer, inputs, kwargs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (this.rank === 2 && this.dataFormat === 'channelsLast' && x.rank === 4 && this.dilationRate.some((d) => d > 1)) {
      return tf.tidy(() => dilatedConv(x as tf.Tensor4D, this as DilatedConvLayer));
    }
    const plain = this.rank === 2 && this.dataFormat === 'channelsLast' && this.activation.getClassName() === 'linear' && x.rank === 4;
    if (depth === 0 || !plain || fedByVariable(x)) return stock.call(this, inputs, kwargs);
    return tf.tidy(() => convWithoutInputGradient(x as tf.Tensor4D, this));
  };
  proto.__pipeSkip = true;
}
