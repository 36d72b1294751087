// The engine's channel ops (src/graph/layers/: channel-shuffle.ts, stochastic-depth.ts,
// layer-scale.ts; pipe's channel_shuffle, stochastic_depth, layer_scale) and tf.layers'
// Multiply (pipe's multiply), in the NCHW graph.
import { imageInput, type LayerConverter, type Value } from '../layer-converter.js';
import { LayerRefusal } from '../refusal.js';

export const channelShuffleLayer: LayerConverter = {
  className: 'PipeChannelShuffle',
  ops: ['channel_shuffle'],
  convert(ctx, [x]) {
    const [h, w, c] = imageInput(x, 'PipeChannelShuffle');
    const g = ctx.int('groups', 1);
    if (c % g !== 0) throw new LayerRefusal(`config.groups ${g} does not divide the input's ${c} channels`);
    // NCHW channels [g, c/g] -> [c/g, g]: channel i * (c/g) + j moves to j * g + i. Reshape's 0 keeps the batch.
    const split = ctx.emit('Reshape', [x.name, ctx.int64s('groups_shape', [0, g, c / g, h, w])], {}, 'groups');
    const swapped = ctx.emit('Transpose', [split], { perm: { ints: [0, 2, 1, 3, 4] } }, 'swap');
    return { name: ctx.emit('Reshape', [swapped, ctx.int64s('shape', [0, c, h, w])]), shape: x.shape };
  },
};

// Identity at inference (the engine's call returns its input unless training).
export const stochasticDepthLayer: LayerConverter = { className: 'PipeStochasticDepth', ops: ['stochastic_depth'], convert: (_ctx, [x]) => x };

export const layerScaleLayer: LayerConverter = {
  className: 'PipeLayerScale',
  ops: ['layer_scale'],
  convert(ctx, [x]) {
    const c = x.shape[x.shape.length - 1];
    const gamma = ctx.weight('gamma', [c]).data;
    // One factor per channel: [c, 1, 1] against NCHW images, [c] against [batch, c] vectors.
    const dims = x.shape.length === 3 ? [c, 1, 1] : x.shape.length === 1 ? [c] : null;
    if (!dims) throw new LayerRefusal(`PipeLayerScale needs an image [h, w, c] or a vector [n], found [${x.shape.join(', ')}]`);
    return { name: ctx.emit('Mul', [x.name, ctx.floats('gamma', dims, gamma)]), shape: x.shape };
  },
};

export const multiplyLayer: LayerConverter = {
  className: 'Multiply',
  ops: ['multiply'],
  convert(ctx, inputs) {
    if (inputs.length < 2) throw new LayerRefusal(`Multiply needs two or more inputs, found ${inputs.length}`);
    const shape = broadcast(inputs);
    // tfjs multiplies left to right; so do these binary Muls. Same-rank inputs broadcast in NCHW as in NHWC.
    let product = inputs[0].name;
    inputs.slice(1).forEach((v, i) => {
      product = ctx.emit('Mul', [product, v.name], {}, i === inputs.length - 2 ? undefined : `product${i + 1}`);
    });
    return { name: product, shape };
  },
};

/** The shape of inputs of one rank that agree, or are 1, on each axis (the op's rule). */
function broadcast(inputs: readonly Value[]): number[] {
  const rank = inputs[0].shape.length;
  const out = inputs[0].shape.map((_, a) => Math.max(...inputs.map((v) => v.shape[a] ?? 1)));
  for (const v of inputs) {
    if (v.shape.length !== rank || v.shape.some((d, a) => d !== out[a] && d !== 1)) {
      throw new LayerRefusal(`Multiply needs inputs of one shape, or of 1 where they differ, found [${inputs[0].shape.join(', ')}] and [${v.shape.join(', ')}]`);
    }
  }
  return out;
}
