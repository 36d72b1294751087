// MaxPoolGrad for wasm. tfjs-backend-wasm 4.22 seeds each window's running maximum with FLT_MIN
// (the smallest positive float), so in a window whose values are all <= 0 no element beats the
// seed and the gradient lands on the wrong element. Max-pooling after BN, LeakyReLU or ELU hits
// this every step.
//
// Derivation: y = max over the window W of x, so dy/dx[k] = 1 for the argmax k and 0 elsewhere;
// dx[k] = sum over windows whose argmax is k of dy. The argmax is the first maximum in row-major
// window order (strict >, seeded with -Infinity), as tfjs-cpu and PyTorch pick it; padding never wins.
import { backend_util, type KernelFunc, type MaxPoolGradAttrs, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './overrides.js';
import { withScratch } from './scratch.js';

function maxPoolGrad(args: { inputs: { dy: TensorInfo; input: TensorInfo }; backend: BackendWasm; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs: { dy, input }, backend, attrs } = args;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: kh, effectiveFilterWidth: kw, padInfo } = info;
  return withScratch(backend, (s) => {
    const out = s.alloc(input.shape);
    const x = s.view(input);
    const g = s.view(dy);
    const dx = s.view(out).fill(0);
    const best = new Float32Array(c);
    const where = new Int32Array(c);
    for (let b = 0; b < batchSize; b++) {
      for (let oh = 0; oh < outHeight; oh++) {
        const top = oh * strideHeight - padInfo.top;
        const h0 = Math.max(0, top);
        const h1 = Math.min(inHeight, top + kh);
        for (let ow = 0; ow < outWidth; ow++) {
          const left = ow * strideWidth - padInfo.left;
          const w0 = Math.max(0, left);
          const w1 = Math.min(inWidth, left + kw);
          best.fill(-Infinity);
          where.fill(-1);
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const base = ((b * inHeight + h) * inWidth + w) * c;
              for (let ch = 0; ch < c; ch++) {
                const v = x[base + ch];
                if (v > best[ch]) {
                  best[ch] = v;
                  where[ch] = base + ch;
                }
              }
            }
          }
          const dyBase = ((b * outHeight + oh) * outWidth + ow) * c;
          for (let ch = 0; ch < c; ch++) if (where[ch] >= 0) dx[where[ch]] += g[dyBase + ch];
        }
      }
    }
    return out;
  });
}

export const maxPoolGradOverride: KernelOverride = { kernelName: 'MaxPoolGrad', build: () => maxPoolGrad as unknown as KernelFunc };
