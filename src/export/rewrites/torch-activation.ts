// PipeTorchActivation (src/graph/layers/activation.ts): torch.nn's relu6, hardsigmoid, hardswish,
// silu, gelu, in stock layers computing the engine's formulas:
//   relu6        ReLU(max_value 6)                       min(max(x, 0), 6)
//   hardsigmoid  Rescaling(+3), ReLU(6), Rescaling(1/6)  relu6(x + 3) / 6 (1/6 rounded: within an ulp)
//   hardswish    the same, then Multiply with x          x * relu6(x + 3) / 6
//   silu         Activation('swish')                     x * sigmoid(x), tfjs's swish (alpha 1)
//   gelu         Activation('gelu')                      x * (1 + erf(x / sqrt 2)) / 2, tfjs's gelu (exact, not gelu_new)
// Not tfjs's 'hard_sigmoid' activation: its slope is 0.2 (Keras's), not PyTorch's 1/6.
import { outputOf, stockLayer, type LayerJson, type TensorRef } from '../topology.js';
import type { Replacement, RewriteContext, StockRewrite } from './rewrite.js';

const KINDS = ['relu6', 'hardsigmoid', 'hardswish', 'silu', 'gelu'];

export const torchActivation: StockRewrite = {
  className: 'PipeTorchActivation',
  rewrite(layer, input, ctx) {
    const kind = layer.config.kind;
    const single = (l: LayerJson): Replacement => ({ layers: [l], output: outputOf(l) });
    switch (kind) {
      case 'relu6':
        return single(stockLayer('ReLU', layer.name, { max_value: 6 }, [input]));
      case 'silu':
        return single(stockLayer('Activation', layer.name, { activation: 'swish' }, [input]));
      case 'gelu':
        return single(stockLayer('Activation', layer.name, { activation: 'gelu' }, [input]));
      case 'hardsigmoid':
        return { layers: hardSigmoid(layer, input, ctx, layer.name), output: { layer: layer.name, node: 0, tensor: 0 } };
      case 'hardswish': {
        const gate = hardSigmoid(layer, input, ctx, ctx.freshName(`${layer.name}/hardsigmoid`));
        const product = stockLayer('Multiply', layer.name, {}, [input, outputOf(gate[gate.length - 1])]);
        return { layers: [...gate, product], output: outputOf(product) };
      }
      default:
        return ctx.refuse(layer, `its kind is ${JSON.stringify(kind)?.slice(0, 80)}, not one of ${KINDS.join(', ')} (is model.json damaged?)`);
    }
  },
};

/** relu6(x + 3) / 6 as three stock layers, the last named `name`. */
function hardSigmoid(layer: LayerJson, input: TensorRef, ctx: RewriteContext, name: string): LayerJson[] {
  const shift = stockLayer('Rescaling', ctx.freshName(`${layer.name}/plus3`), { scale: 1, offset: 3 }, [input]);
  const clip = stockLayer('ReLU', ctx.freshName(`${layer.name}/relu6`), { max_value: 6 }, [outputOf(shift)]);
  const scale = stockLayer('Rescaling', name, { scale: 1 / 6, offset: 0 }, [outputOf(clip)]);
  return [shift, clip, scale];
}
