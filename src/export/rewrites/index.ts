// Every stock rewrite, keyed by the class name it handles. A plain list: a new engine layer adds
// a line here (or pipe export refuses models that use it, naming it).
import { channelShuffle, layerScale, stochasticDepth } from './channel-ops.js';
import { conv2D } from './conv.js';
import { torchConv2DTranspose } from './conv-transpose.js';
import { elu, scale, seededDropout } from './elementwise.js';
import { torchGroupedConv2D } from './grouped-conv.js';
import { torchPad2D } from './pad.js';
import type { StockRewrite } from './rewrite.js';
import { torchActivation } from './torch-activation.js';
import { torchAdaptiveAvgPool2D, torchAvgPool2D } from './torch-pooling.js';
import { torchUpsample2D } from './upsample.js';

export type { Replacement, RewriteContext, StockRewrite } from './rewrite.js';

export const stockRewrites: readonly StockRewrite[] = [
  torchPad2D, torchConv2DTranspose, torchUpsample2D, elu, scale, seededDropout, conv2D,
  torchGroupedConv2D, torchActivation, torchAdaptiveAvgPool2D, torchAvgPool2D, stochasticDepth, layerScale, channelShuffle,
];

/**
 * Stock tfjs-layers classes a rewritten model may hold: those the graph compiler emits as they
 * are and those the rewrites write. Every one is registered by @tensorflow/tfjs itself.
 */
export const STOCK_CLASSES: ReadonlySet<string> = new Set([
  'InputLayer', 'Conv2D', 'Conv2DTranspose', 'DepthwiseConv2D', 'Dense', 'BatchNormalization',
  'ReLU', 'LeakyReLU', 'ELU', 'Activation', 'Softmax', 'Rescaling', 'Dropout',
  'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'Flatten',
  'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'Add', 'Concatenate', 'Multiply', 'Reshape',
]);
