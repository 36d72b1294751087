// The engine's channel ops (src/graph/layers/: stochastic-depth.ts, layer-scale.ts,
// channel-shuffle.ts) in stock layers, where model.json holds enough to write them.
import { outputOf, stockLayer } from '../topology.js';
import type { StockRewrite } from './rewrite.js';

/** PipeStochasticDepth: the identity at inference, as Activation('linear') (keeping the layer's name). */
export const stochasticDepth: StockRewrite = {
  className: 'PipeStochasticDepth',
  rewrite(layer, input) {
    const l = stockLayer('Activation', layer.name, { activation: 'linear' }, [input]);
    return { layers: [l], output: outputOf(l) };
  },
};

// BatchNormalization computes (x - mean) * gamma / sqrt(variance + epsilon) + beta over the last
// axis, on images and vectors alike. With mean 0, beta 0 and variance + epsilon exactly 1 (both
// powers of two apart: 2^-10 and 1 - 2^-10 add to 1 in float32) it is x * gamma, exactly.
const EPSILON = 2 ** -10;

/** PipeLayerScale: x * gamma per channel, as a BatchNormalization with fixed statistics. */
export const layerScale: StockRewrite = {
  className: 'PipeLayerScale',
  rewrite(layer, input, ctx) {
    const gamma = ctx.weight(`${layer.name}/gamma`);
    if (gamma.shape.length !== 1) ctx.refuse(layer, `its gamma is ${gamma.shape.join('x')}, not one value per channel (is weights.bin damaged?)`);
    const c = gamma.shape[0];
    const l = stockLayer('BatchNormalization', layer.name, { axis: -1, momentum: 0.99, epsilon: EPSILON, center: true, scale: true }, [input]);
    const fill = (which: string, v: number) => ({ name: `${layer.name}/${which}`, shape: [c], data: new Float32Array(c).fill(v) });
    // gamma keeps its name and bytes: BatchNormalization's weight is layer/gamma too.
    return { layers: [l], output: outputOf(l), addWeights: [fill('beta', 0), fill('moving_mean', 0), fill('moving_variance', 1 - EPSILON)] };
  },
};

/** PipeChannelShuffle: a Reshape to [h, w, groups, c / groups] needs h, w and c, which model.json does not record at this layer. */
export const channelShuffle: StockRewrite = {
  className: 'PipeChannelShuffle',
  rewrite(layer, _input, ctx) {
    return ctx.refuse(layer, "stock layers shuffle channels only through Reshape and Permute to a fixed [h, w, groups, c / groups], and model.json does not record this layer's input size; --format onnx writes it (Reshape, Transpose, Reshape)");
  },
};
