// FusedBatchNorm (the forward pass) for wasm with per-channel parameters. The stock kernel is a
// scalar loop that looks each element's channel up with a modulo (~5 ns/element); here the
// per-channel factors are folded first and applied in one XNNPACK pass (channel_ops.ts).
//
// Derivation: y = (x - m) * g / sqrt(v + eps) + b = x * a + c, with a = g / sqrt(v + eps) and
// c = b - m * a, both per channel.
import type { FusedBatchNormAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './overrides.js';
import { scaleShift } from './channel_ops.js';
import { withScratch } from './scratch.js';

function build(stock: KernelFunc | null): KernelFunc {
  if (!stock) throw new Error('the wasm backend has no stock FusedBatchNorm kernel to fall back on');
  return (args) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined> as { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo };
    const { varianceEpsilon } = args.attrs as unknown as FusedBatchNormAttrs;
    const channels = x.shape[x.shape.length - 1];
    // Only parameters that are one value per channel (shape [c] or [1, ..., 1, c]); others go stock.
    const perChannel = (t?: TensorInfo) => t == null || (t.dtype === 'float32' && t.shape.reduce((a, b) => a * b, 1) === channels && t.shape[t.shape.length - 1] === channels);
    if (x.dtype !== 'float32' || x.shape.length < 2 || ![mean, variance, offset, scale].every(perChannel)) return stock(args);
    return withScratch(args.backend as BackendWasm, (s) => {
      const [m, v] = [s.view(mean), s.view(variance)];
      const [g, b] = [scale ? s.view(scale) : null, offset ? s.view(offset) : null];
      const a = new Float32Array(channels);
      const c = new Float32Array(channels);
      for (let i = 0; i < channels; i++) {
        a[i] = (g ? g[i] : 1) / Math.sqrt(v[i] + varianceEpsilon);
        c[i] = (b ? b[i] : 0) - m[i] * a[i];
      }
      return scaleShift(s, x, a, c);
    });
  };
}

export const fusedBatchNormOverride: KernelOverride = { kernelName: 'FusedBatchNorm', build };
