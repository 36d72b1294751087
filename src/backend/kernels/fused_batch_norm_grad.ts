// The FusedBatchNorm gradient on wasm. The stock one (tfjs-core 4.22) materialises the per-channel
// factor with Tile, which on wasm is a scalar index-arithmetic loop slower than the whole conv
// backward; here every per-channel factor broadcasts through XNNPACK's binary ops instead, and
// the two per-channel sums the five gradients share are taken once.
//
// Derivation: y = (x - m) * g * r + b, r = (v + eps)^(-1/2), per channel, summed over the other axes:
//   dx = dy * g * r            dm = -sum(dy) * g * r          db = sum(dy)
//   dg = sum(dy * (x - m)) * r dv = sum(dy * (x - m)) * g * (-1/2) r^3   (dr/dv = -r^3 / 2)
import {
  add, backend_util, getBackend, mul, neg, pow, reshape, rsqrt, scalar, sub, sum, util,
  type GradConfig, type NamedAttrMap, type Tensor,
} from '@tensorflow/tfjs';
import type { GradientOverride } from './overrides.js';

export const fusedBatchNormGrad: GradientOverride = { kernelName: 'FusedBatchNorm', wrap: wrapFusedBatchNormGrad };

function wrapFusedBatchNormGrad(stock: GradConfig): GradConfig {
  return {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      const sameShapes = util.arraysEqual(variance.shape, mean.shape) && (scale == null || util.arraysEqual(scale.shape, mean.shape));
      // Elsewhere the stock gradient is fine (and is the reference the wasm tests compare with).
      if (getBackend() !== 'wasm' || !sameShapes) return stock.gradFunc(dy, saved, attrs);
      return batchNormGrads(dy as Tensor, x, mean, variance, scale, (attrs as NamedAttrMap).varianceEpsilon as number);
    },
  };
}

function batchNormGrads(dy: Tensor, x: Tensor, mean: Tensor, variance: Tensor, scale: Tensor | undefined, eps: number) {
  const axes = backend_util.getReductionAxes(mean.shape, x.shape);
  const perChannel = (t: Tensor) => reshape(sum(t, axes), mean.shape);
  const r = rsqrt(add(variance, scalar(eps)));
  const g = scale ?? scalar(1);
  const gr = mul(g, r);
  // Taken here, not inside the closures: tfjs runs each closure in its own tidy, which would free
  // a sum one closure made before the next could reuse it.
  const sumDy = perChannel(dy);
  const sumDyXm = perChannel(mul(dy, sub(x, reshape(mean, broadcastable(mean, x)))));
  return {
    x: () => mul(dy, reshape(gr, broadcastable(gr, x))),
    mean: () => neg(mul(sumDy, gr)),
    variance: () => mul(mul(sumDyXm, g), mul(pow(r, scalar(3)), scalar(-0.5))),
    scale: () => mul(sumDyXm, r),
    offset: () => sumDy,
  };
}

/** A per-channel tensor's shape, padded with leading 1s to x's rank so it broadcasts against x. */
function broadcastable(t: Tensor, x: Tensor): number[] {
  return [...Array(x.rank - t.rank).fill(1), ...t.shape];
}
