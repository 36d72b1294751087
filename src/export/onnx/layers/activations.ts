// Elementwise layers, and the activations fused into Conv2D and Dense (their `activation`).
import { LayerContext, onnxAxis, type LayerConverter, type Value } from '../layer-converter.js';
import { LayerRefusal } from '../refusal.js';

type Activation = (ctx: LayerContext, x: Value, suffix?: string) => string;

const unary = (opType: string, attrs = {}): Activation => (ctx, x, suffix) => ctx.emit(opType, [x.name], attrs, suffix);

const clip = (low: number, high: number): Activation => (ctx, x, suffix) =>
  ctx.emit('Clip', [x.name, ctx.floats(`${suffix ?? 'clip'}/min`, [], Float32Array.of(low)), ctx.floats(`${suffix ?? 'clip'}/max`, [], Float32Array.of(high))], {}, suffix);

/** tfjs's activations by the name model.json gives them (tfjs snake-cases a config's strings:
 *  hardSigmoid is stored hard_sigmoid), each as ONNX computes it. */
const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  linear: unary('Identity'),
  relu: unary('Relu'),
  relu6: clip(0, 6),
  sigmoid: unary('Sigmoid'),
  // tfjs: clip(0.2 x + 0.5, 0, 1).
  hard_sigmoid: unary('HardSigmoid', { alpha: { f: 0.2 }, beta: { f: 0.5 } }),
  tanh: unary('Tanh'),
  softmax: (ctx, x, suffix) => ctx.emit('Softmax', [x.name], { axis: { i: onnxAxis(-1, x.shape) } }, suffix),
  log_softmax: (ctx, x, suffix) => ctx.emit('LogSoftmax', [x.name], { axis: { i: onnxAxis(-1, x.shape) } }, suffix),
  elu: unary('Elu', { alpha: { f: 1 } }),
  // tfjs's SELU constants (ONNX's defaults are these rounded to float).
  selu: unary('Selu', { alpha: { f: 1.6732632423543772 }, gamma: { f: 1.0507009873554805 } }),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  // tfjs: x * sigmoid(x).
  swish: (ctx, x, suffix) => ctx.emit('Mul', [x.name, ctx.emit('Sigmoid', [x.name], {}, `${suffix ?? 'swish'}/sigmoid`)], {}, suffix),
};

export const activationNames = Object.keys(ACTIVATIONS);

/** `x` through the activation `name` (an Activation layer's, or a layer's fused one). */
export function activate(ctx: LayerContext, name: unknown, x: Value): string {
  const f = typeof name === 'string' ? ACTIVATIONS[name] : undefined;
  if (!f) throw new LayerRefusal(`activation ${JSON.stringify(name) ?? 'missing'} has no ONNX form here (known: ${activationNames.join(', ')})`);
  return f(ctx, x);
}

/** The activation a Conv2D or Dense layer fuses, applied to `op` (the layer's op before it). */
export function withActivation(ctx: LayerContext, make: (suffix?: string) => string, shape: readonly number[]): Value {
  const name = ctx.layer.config.activation ?? 'linear';
  if (name === 'linear') return { name: make(), shape };
  const pre = make(name === 'softmax' || name === 'log_softmax' ? 'logits' : 'linear');
  return { name: activate(ctx, name, { name: pre, shape }), shape };
}

const same = (x: Value, name: string): Value => ({ name, shape: x.shape });

export const activationLayer: LayerConverter = {
  className: 'Activation',
  ops: ['sigmoid', 'tanh', 'identity'],
  convert: (ctx, [x]) => same(x, activate(ctx, ctx.layer.config.activation, x)),
};

export const reluLayer: LayerConverter = {
  className: 'ReLU',
  ops: ['relu'],
  convert(ctx, [x]) {
    const max = ctx.layer.config.max_value;
    return same(x, max === null || max === undefined ? ctx.emit('Relu', [x.name]) : clip(0, ctx.num('max_value'))(ctx, x));
  },
};

export const leakyReluLayer: LayerConverter = {
  className: 'LeakyReLU',
  ops: ['leaky_relu'],
  convert: (ctx, [x]) => same(x, ctx.emit('LeakyRelu', [x.name], { alpha: { f: ctx.num('alpha', 0.3) } })),
};

const elu = (className: string): LayerConverter => ({
  className,
  ops: ['elu'],
  convert: (ctx, [x]) => same(x, ctx.emit('Elu', [x.name], { alpha: { f: ctx.num('alpha', 1) } })),
});
export const eluLayer = elu('ELU');
export const pipeEluLayer = elu('PipeELU');

export const softmaxLayer: LayerConverter = {
  className: 'Softmax',
  ops: ['softmax'],
  convert: (ctx, [x]) => same(x, ctx.emit('Softmax', [x.name], { axis: { i: onnxAxis(ctx.axis('axis', -1), x.shape) } })),
};
