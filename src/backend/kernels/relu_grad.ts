// The ReLU gradient from the layer's output rather than its input. tfjs keeps the input for the
// backward pass; after conv -> BatchNorm -> ReLU that input is the BatchNorm output, which nothing
// else needs, so every such block held three activation-sized buffers until the backward pass
// instead of two (the conv output, which BatchNorm's gradient needs, and the ReLU output, which the
// next conv's does). The seed DenseNet is twelve such blocks.
//
// Derivation: y = max(x, 0), so dy/dx = 1 where x > 0 and 0 elsewhere; and x > 0 exactly where
// y > 0 (y = x there, y = 0 elsewhere). So dx = dy * step(y), the same mask bit for bit: this
// holds on every backend, so it applies to all of them.
import { cast, mul, step, type GradConfig, type Tensor } from '@tensorflow/tfjs';
import type { GradientOverride } from './overrides.js';

const fromOutput: GradConfig = {
  kernelName: 'Relu',
  outputsToSave: [true],
  gradFunc: (dy, [y]) => ({ x: () => mul(dy as Tensor, cast(step(y), 'float32')) }),
};

export const reluGrad: GradientOverride = { kernelName: 'Relu', wrap: () => fromOutput };
