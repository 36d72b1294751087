// The Sum and Mean gradients on wasm. tfjs's own multiply dy by a tensor of ones the size of x
// (made and uploaded from JavaScript each time) and, for Mean, divide the full-size product: three
// or four passes over x per reduction, and BatchNorm in training takes two Means per layer. Here
// the small dy is scaled first and broadcast in one pass (Tile, see tile.ts).
//
// Derivation: y = sum over axes A of x, so dy/dx[i] = 1 for every i, and dx = dy broadcast back over
// A; for the mean, y = (1/|A|) sum, so dx = (dy / |A|) broadcast.
import { broadcastTo, div, getBackend, reshape, scalar, util, type GradConfig, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs';
import type { GradientOverride } from './overrides.js';

function broadcastGrad(kind: 'sum' | 'mean', stock: GradConfig): GradConfig {
  return {
    kernelName: stock.kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (getBackend() !== 'wasm') return stock.gradFunc(dy, saved, attrs);
      const [x] = saved;
      const axes = util.parseAxisParam((attrs as NamedAttrMap).axis as number | number[], x.shape);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const size = axes.reduce((n, a) => n * x.shape[a], 1);
      return {
        x: () => {
          const small = reshape(dy as Tensor, kept);
          return broadcastTo(kind === 'mean' ? div(small, scalar(size)) : small, x.shape);
        },
      };
    },
  };
}

export const sumGrad: GradientOverride = { kernelName: 'Sum', wrap: (stock) => broadcastGrad('sum', stock) };
export const meanGrad: GradientOverride = { kernelName: 'Mean', wrap: (stock) => broadcastGrad('mean', stock) };
