// Engine layers that act on each value alone: ELU with any alpha, a constant scale, seeded
// dropout. Each becomes stock layers computing the same value at inference.
import { outputOf, stockLayer } from '../topology.js';
import type { StockRewrite } from './rewrite.js';

function finiteField(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * PipeELU (src/graph/layers/elu.ts): x if x > 0 else alpha * (exp(x) - 1); stock ELU takes only
 * alpha 1. With elu(x) = x if x > 0 else exp(x) - 1: y = (1 - alpha) * relu(x) + alpha * elu(x)
 * (x > 0: (1 - alpha) x + alpha x; else 0 + alpha (exp(x) - 1)): ReLU and Activation('elu'),
 * each through Rescaling, then Add.
 */
export const elu: StockRewrite = {
  className: 'PipeELU',
  rewrite(layer, input, ctx) {
    const alpha = finiteField(layer.config.alpha);
    if (alpha === null) return ctx.refuse(layer, `its alpha is ${JSON.stringify(layer.config.alpha)}, not a finite number (is model.json damaged?)`);
    const relu = stockLayer('ReLU', ctx.freshName(`${layer.name}/positive`), { max_value: null }, [input]);
    const exp = stockLayer('Activation', ctx.freshName(`${layer.name}/elu`), { activation: 'elu' }, [input]);
    const positive = stockLayer('Rescaling', ctx.freshName(`${layer.name}/positive_scale`), { scale: 1 - alpha, offset: 0 }, [outputOf(relu)]);
    const negative = stockLayer('Rescaling', ctx.freshName(`${layer.name}/alpha`), { scale: alpha, offset: 0 }, [outputOf(exp)]);
    const sum = stockLayer('Add', layer.name, {}, [outputOf(positive), outputOf(negative)]);
    return { layers: [relu, exp, positive, negative, sum], output: outputOf(sum) };
  },
};

/** PipeScale (src/graph/layers/scale.ts): x * factor, which stock Rescaling computes as x * factor + 0. */
export const scale: StockRewrite = {
  className: 'PipeScale',
  rewrite(layer, input, ctx) {
    const factor = finiteField(layer.config.factor);
    if (factor === null) return ctx.refuse(layer, `its factor is ${JSON.stringify(layer.config.factor)}, not a finite number (is model.json damaged?)`);
    const l = stockLayer('Rescaling', layer.name, { scale: factor, offset: 0 }, [input]);
    return { layers: [l], output: outputOf(l) };
  },
};

/** PipeSeededDropout (src/graph/layers/dropout.ts): seeded masks in training, the identity at inference, as stock Dropout. */
export const seededDropout: StockRewrite = {
  className: 'PipeSeededDropout',
  rewrite(layer, input, ctx) {
    const rate = finiteField(layer.config.rate);
    if (rate === null || rate < 0 || rate >= 1) return ctx.refuse(layer, `its rate is ${JSON.stringify(layer.config.rate)}, not a number in [0, 1) (is model.json damaged?)`);
    const l = stockLayer('Dropout', layer.name, { rate, noise_shape: null, seed: null }, [input]);
    return { layers: [l], output: outputOf(l) };
  },
};
