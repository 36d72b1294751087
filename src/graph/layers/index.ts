// The engine's own tfjs layers: what tf.layers lacks to match PyTorch. Each is registered with
// tf.serialization, so a saved model loads back with tf.loadLayersModel once this module is
// imported (in a browser too: import it, or register the same classes, before loading).
import * as tf from '@tensorflow/tfjs';
import { BatchNorm } from './batchnorm.js';
import { Elu } from './elu.js';
import { Scale } from './scale.js';
import { TorchConv2DTranspose } from './conv-transpose.js';
import { TorchPad2D } from './pad.js';
import { TorchUpsample2D } from './upsample.js';
import { dropoutClock, SeededDropout } from './dropout.js';
import { TorchActivation } from './activation.js';
import { TorchAdaptiveAvgPool2D } from './adaptive-avgpool.js';
import { TorchAvgPool2D } from './avgpool.js';
import { ChannelShuffle } from './channel-shuffle.js';
import { TorchGroupedConv2D } from './grouped-conv.js';
import { LayerScale } from './layer-scale.js';
import { SliceChannels } from './slice-channels.js';
import { StochasticDepth } from './stochastic-depth.js';
import { gradientsOfVariablesOnly, installConvInputGradientSkip } from './conv-input-gradient.js';

export {
  BatchNorm, ChannelShuffle, dropoutClock, Elu, gradientsOfVariablesOnly, LayerScale, Scale, SeededDropout, SliceChannels, StochasticDepth, TorchActivation,
  TorchAdaptiveAvgPool2D, TorchAvgPool2D, TorchConv2DTranspose, TorchGroupedConv2D, TorchPad2D, TorchUpsample2D,
};

export interface CustomLayers {
  readonly BatchNorm: typeof BatchNorm;
  readonly Elu: typeof Elu;
  readonly Scale: typeof Scale;
  readonly TorchConv2DTranspose: typeof TorchConv2DTranspose;
  readonly TorchPad2D: typeof TorchPad2D;
  readonly TorchUpsample2D: typeof TorchUpsample2D;
  readonly SeededDropout: typeof SeededDropout;
  readonly TorchActivation: typeof TorchActivation;
  readonly TorchAdaptiveAvgPool2D: typeof TorchAdaptiveAvgPool2D;
  readonly TorchAvgPool2D: typeof TorchAvgPool2D;
  readonly ChannelShuffle: typeof ChannelShuffle;
  readonly TorchGroupedConv2D: typeof TorchGroupedConv2D;
  readonly LayerScale: typeof LayerScale;
  readonly StochasticDepth: typeof StochasticDepth;
  readonly SliceChannels: typeof SliceChannels;
}

export const customLayers: CustomLayers = {
  BatchNorm, Elu, Scale, TorchConv2DTranspose, TorchPad2D, TorchUpsample2D, SeededDropout,
  TorchActivation, TorchAdaptiveAvgPool2D, TorchAvgPool2D, ChannelShuffle, TorchGroupedConv2D, LayerScale, StochasticDepth, SliceChannels,
};

// BatchNorm replaces tf.layers' BatchNormalization under its own name: models saved with either
// load as BatchNorm here, and as the stock class wherever this module is not loaded.
for (const cls of Object.values(customLayers)) tf.serialization.registerClass(cls);

// A first conv's input gradient, which nothing uses, is not computed in training (see the file).
installConvInputGradientSkip();
