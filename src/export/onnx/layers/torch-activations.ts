// The engine's torch.nn activations (src/graph/layers/activation.ts; pipe's relu6, hardsigmoid,
// hardswish, silu, gelu) in opset 13's ops. HardSwish is an op from opset 14 only, so hardswish
// is x * HardSigmoid(x), which is its definition; the export stays at 13 (docs/export.md).
import { type LayerContext, type LayerConverter, type Value } from '../layer-converter.js';
import { LayerRefusal } from '../refusal.js';

type Form = (ctx: LayerContext, x: Value) => string;

// torch: relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1), ONNX's HardSigmoid with alpha 1/6, beta 1/2.
const hardSigmoid = (ctx: LayerContext, x: Value, suffix?: string) => ctx.emit('HardSigmoid', [x.name], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } }, suffix);

const FORMS: Readonly<Record<string, Form>> = {
  relu6: (ctx, x) => ctx.emit('Clip', [x.name, ctx.floats('relu6/min', [], Float32Array.of(0)), ctx.floats('relu6/max', [], Float32Array.of(6))]),
  hardsigmoid: (ctx, x) => hardSigmoid(ctx, x),
  hardswish: (ctx, x) => ctx.emit('Mul', [x.name, hardSigmoid(ctx, x, 'hardsigmoid')]),
  silu: (ctx, x) => ctx.emit('Mul', [x.name, ctx.emit('Sigmoid', [x.name], {}, 'sigmoid')]),
  // torch.nn.GELU's exact form: x * (1 + erf(x / sqrt 2)) / 2.
  gelu(ctx, x) {
    const erf = ctx.emit('Erf', [ctx.emit('Mul', [x.name, ctx.floats('gelu/rsqrt2', [], Float32Array.of(Math.SQRT1_2))], {}, 'scaled')], {}, 'erf');
    const half = ctx.emit('Mul', [x.name, ctx.floats('gelu/half', [], Float32Array.of(0.5))], {}, 'half');
    return ctx.emit('Mul', [half, ctx.emit('Add', [erf, ctx.floats('gelu/one', [], Float32Array.of(1))], {}, 'erf1')]);
  },
};

export const torchActivationKinds = Object.keys(FORMS);

export const torchActivationLayer: LayerConverter = {
  className: 'PipeTorchActivation',
  ops: torchActivationKinds,
  convert(ctx, [x]) {
    const kind = ctx.layer.config.kind;
    const form = typeof kind === 'string' ? FORMS[kind] : undefined;
    if (!form) throw new LayerRefusal(`config.kind ${JSON.stringify(kind)?.slice(0, 80) ?? 'missing'} has no ONNX form here (known: ${torchActivationKinds.join(', ')})`);
    return { name: form(ctx, x), shape: x.shape };
  },
};
