// BatchMatMul for wasm with a transposed operand. The stock kernel sends any transpose (and any
// batch > 1) to a scalar triple loop (~1 GFLOP/s); a dense layer's backward pass is exactly
// dy @ W^T and x^T @ dy, so an AlexNet-sized classifier spent seconds per step there. Here the
// products go to XNNPACK's GEMM (the stock path without transposes), and only small operands are
// transposed: XNNPACK packs the right-hand operand anew for every product, and a transpose is a
// full memory pass, so a weight matrix is never moved when the batch-sized operand can be.
//
// Derivation, with A [m, k], B [k, n] as stored:
//   A^T B   = (A^T) B                       transpose A (batch-sized in a dense backward pass)
//   A B^T   = (B A^T)^T  or  A (B^T)        transpose A and the product, or B: whichever is less
//   A^T B^T = (B A)^T                       transpose only the product
// Batched products (batch > 1) keep the stock path: no seed model has them.
import type { BatchMatMulAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './overrides.js';
import { withScratch } from './scratch.js';

function build(stock: KernelFunc | null): KernelFunc {
  if (!stock) throw new Error('the wasm backend has no stock BatchMatMul kernel to fall back on');
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const batch = (t: TensorInfo) => t.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    if ((!transposeA && !transposeB) || batch(a) !== 1 || batch(b) !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') return stock(args);
    return withScratch(args.backend as BackendWasm, (s) => {
      const matrix = (t: TensorInfo) => ({ ...t, shape: t.shape.slice(-2) });
      const flip = (t: TensorInfo) => s.transpose(matrix(t), [1, 0]);
      const product = (x: TensorInfo, y: TensorInfo) => {
        const out = stock({ ...args, inputs: { a: matrix(x), b: matrix(y) }, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as TensorInfo;
        return s.keep(out);
      };
      const [m, k] = transposeA ? a.shape.slice(-2).reverse() : a.shape.slice(-2);
      const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
      let out: TensorInfo;
      if (transposeA && transposeB) out = flip(product(b, a));
      else if (transposeA) out = product(flip(a), b);
      else if (m * (k + n) < n * k) out = flip(product(b, flip(a)));
      else out = product(a, flip(b));
      // The 2-D product loses the operands' leading 1s; the caller expects them.
      const lead = (a.shape.length >= b.shape.length ? a : b).shape.slice(0, -2);
      return { ...out, shape: [...lead, m, n] };
    });
  };
}

export const batchMatMulOverride: KernelOverride = { kernelName: 'BatchMatMul', build };
