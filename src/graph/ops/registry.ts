// Every graph op, keyed by its YAML `op` name. A plain list: adding an op means adding a line.
import type { GraphOp } from '../op.js';
import { elu, flatten, gelu, globalAvgpool, hardsigmoid, hardswish, identity, leakyRelu, relu, relu6, sigmoid, silu, softmax, tanh } from './activations.js';
import { adaptiveAvgpool } from './adaptive-avgpool.js';
import { batchnorm } from './batchnorm.js';
import { conv } from './conv.js';
import { convTranspose } from './conv-transpose.js';
import { dense } from './dense.js';
import { dropout } from './dropout.js';
import { channelShuffle, layerScale, stochasticDepth } from './channel-ops.js';
import { add, concat, multiply, scale } from './merge.js';
import { avgpool, maxpool } from './pooling.js';
import { sliceChannels } from './slice-channels.js';
import { upsample } from './upsample.js';

export const graphOps: readonly GraphOp[] = [
  conv, convTranspose, batchnorm, relu, leakyRelu, elu, sigmoid, tanh, softmax,
  maxpool, avgpool, globalAvgpool, flatten, dense, dropout, add, concat, scale, upsample, identity,
  relu6, hardsigmoid, hardswish, silu, gelu, adaptiveAvgpool, multiply, channelShuffle, stochasticDepth, layerScale,
  sliceChannels,
];
