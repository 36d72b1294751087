// Every tfjs layer class the ONNX export converts, keyed by model.json's class_name. A plain
// list: converting another layer means writing its converter and adding it here. Between them
// they cover every op of the pipeline language (src/graph/ops/registry.ts).
import type { LayerConverter } from '../layer-converter.js';
import { activationLayer, eluLayer, leakyReluLayer, pipeEluLayer, reluLayer, softmaxLayer } from './activations.js';
import { batchNormLayer } from './batchnorm.js';
import { channelShuffleLayer, layerScaleLayer, multiplyLayer, stochasticDepthLayer } from './channel-ops.js';
import { conv2dLayer, torchConvTransposeLayer, torchPadLayer } from './conv.js';
import { denseLayer, flattenLayer } from './dense.js';
import { dropoutLayer, seededDropoutLayer } from './dropout.js';
import { addLayer, concatLayer, scaleLayer } from './merge.js';
import { averagePoolLayer, globalAveragePoolLayer, maxPoolLayer } from './pooling.js';
import { sliceChannelsLayer } from './slice-channels.js';
import { torchActivationLayer } from './torch-activations.js';
import { torchAdaptiveAvgPoolLayer, torchAvgPoolLayer } from './torch-pooling.js';
import { torchGroupedConvLayer } from './grouped-conv.js';
import { torchUpsampleLayer } from './upsample.js';

export const layerConverters: readonly LayerConverter[] = [
  conv2dLayer, torchConvTransposeLayer, torchPadLayer, batchNormLayer,
  activationLayer, reluLayer, leakyReluLayer, eluLayer, pipeEluLayer, softmaxLayer,
  maxPoolLayer, averagePoolLayer, globalAveragePoolLayer, flattenLayer, denseLayer,
  seededDropoutLayer, dropoutLayer, addLayer, concatLayer, scaleLayer, torchUpsampleLayer,
  torchGroupedConvLayer, torchAvgPoolLayer, torchAdaptiveAvgPoolLayer, torchActivationLayer,
  channelShuffleLayer, stochasticDepthLayer, layerScaleLayer, multiplyLayer, sliceChannelsLayer,
];
