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
//
// Without transposes the stock kernel runs XNNPACK's fully-connected operator, which packs the
// right-hand operand (a dense layer's weight, in the forward pass) into a copy it keeps, per
// tensor id, until that tensor is disposed. In training the weight is replaced at every step, so
// the copy is never used again, yet it lives through the whole backward pass and the update: for
// VGG's 25088 x 4096 classifier that is 411 MB more at the step's peak, and with it VGG-13/16 no
// longer fit the 4 GiB heap (docs/zoo.md). While a gradient is being recorded the product runs on
// an alias of the operand (Scratch.alias), so the copy goes as soon as the product is done.
// Evaluation keeps the cache: there the same weights meet batch after batch.
import { engine, type BatchMatMulAttrs, type KernelFunc, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './overrides.js';
import { withScratch } from './scratch.js';

/** Whether a tape is recording (the forward pass of a training step). */
function recordingGradient(): boolean {
  return engine().state.gradientDepth > 0;
}

const batchOf = (t: TensorInfo) => t.shape.slice(0, -2).reduce((x, y) => x * y, 1);

/** The stock product with its right-hand operand `b` on an alias, when XNNPACK would cache a packed copy of it for nothing. */
function uncachedWhileTraining(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const cached = !transposeA && !transposeB && batchOf(a) === 1 && batchOf(b) === 1 && b.dtype === 'float32';
    if (!cached || !recordingGradient()) return stock(args);
    return withScratch(args.backend as BackendWasm, (s) => stock({ ...args, inputs: { ...args.inputs, b: s.alias(b) } as NamedTensorInfoMap }) as TensorInfo);
  };
}

function build(stock: KernelFunc | null): KernelFunc {
  if (!stock) throw new Error('the wasm backend has no stock BatchMatMul kernel to fall back on');
  const plain = uncachedWhileTraining(stock);
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    if ((!transposeA && !transposeB) || batchOf(a) !== 1 || batchOf(b) !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') return plain(args);
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

/** A dense layer's forward product (with its bias and activation): only the alias while training. */
export const fusedMatMulOverride: KernelOverride = {
  kernelName: '_FusedMatMul',
  build: (stock) => {
    if (!stock) throw new Error('the wasm backend has no stock _FusedMatMul kernel to fall back on');
    return uncachedWhileTraining(stock);
  },
};
