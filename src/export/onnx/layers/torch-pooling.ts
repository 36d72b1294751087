// The engine's PyTorch pools (src/graph/layers/avgpool.ts, adaptive-avgpool.ts; pipe's avgpool
// with ceil_mode or count_include_pad false, and adaptive_avgpool).
//
// AvgPool2d: the engine's own steps, not ONNX's ceil_mode: zeros padded (padding, plus ceil_mode's
// extra rows after), an AveragePool over k_h * k_w, then each output times k_h * k_w / PyTorch's
// divisor for its window (a constant map). Runtimes differ on ceil_mode's last window (PyTorch
// drops one that starts in the right padding); explicit padding leaves nothing to them.
// AdaptiveAvgPool2d: 1x1 is GlobalAveragePool; bins of one size (the input a multiple of the
// output) an AveragePool; any other (uneven bins, or an output larger than the input: VGG's 7x7
// from 2x2) the engine's averaging matrices, one MatMul per axis: exact to rounding.
import { adaptiveMatrix, divisors } from '../../../graph/layers/pool-bins.js';
import { imageInput, type LayerConverter } from '../layer-converter.js';
import { LayerRefusal } from '../refusal.js';

/** Entries of one constant map or matrix past which a damaged file is refused, not allocated
 *  (2^26 floats, 256 MiB: far beyond any pool of a real model). */
const MAX_CONSTANT = 2 ** 26;

function bounded(entries: number, what: string): void {
  if (entries > MAX_CONSTANT) throw new LayerRefusal(`its ${what} would hold ${entries} values; the export builds at most ${MAX_CONSTANT} (is model.json damaged?)`);
}

export const torchAvgPoolLayer: LayerConverter = {
  className: 'PipeTorchAvgPool2D',
  ops: ['avgpool'],
  convert(ctx, [x]) {
    const [h, w, c] = imageInput(x, 'PipeTorchAvgPool2D');
    const k = ctx.pair('kernel', 1);
    const s = ctx.pair('stride', 1);
    const p = ctx.pair('padding', 0, [0, 0]);
    const e = ctx.pair('extra', 0, [0, 0]);
    const countIncludePad = ctx.flag('count_include_pad', true);
    const out = [0, 1].map((a) => {
      const span = [h, w][a] + 2 * p[a] + e[a] - k[a];
      if (span < 0) throw new LayerRefusal(`a ${k[0]}x${k[1]} window does not fit the padded ${h + 2 * p[0] + e[0]}x${w + 2 * p[1] + e[1]} input`);
      return Math.floor(span / s[a]) + 1;
    });
    const pads = ctx.int64s('pads', [0, 0, p[0], p[1], 0, 0, p[0] + e[0], p[1] + e[1]]);
    const padded = p.some((v) => v > 0) || e.some((v) => v > 0) ? ctx.emit('Pad', [x.name, pads, ctx.floats('zero', [], Float32Array.of(0))], { mode: { s: 'constant' } }, 'pad') : x.name;
    bounded(out[0] * out[1], 'divisor map');
    const dh = divisors(h, out[0], k[0], s[0], p[0], countIncludePad);
    const dw = divisors(w, out[1], k[1], s[1], p[1], countIncludePad);
    const whole = dh.every((v) => v === k[0]) && dw.every((v) => v === k[1]);
    const mean = ctx.emit('AveragePool', [padded], { kernel_shape: { ints: k }, strides: { ints: s } }, whole ? undefined : 'mean');
    if (whole) return { name: mean, shape: [out[0], out[1], c] };
    const scale = new Float32Array(dh.length * dw.length);
    dh.forEach((a, i) => dw.forEach((b, j) => (scale[i * dw.length + j] = (k[0] * k[1]) / (a * b))));
    return { name: ctx.emit('Mul', [mean, ctx.floats('divisors', [1, 1, out[0], out[1]], scale)]), shape: [out[0], out[1], c] };
  },
};

export const torchAdaptiveAvgPoolLayer: LayerConverter = {
  className: 'PipeTorchAdaptiveAvgPool2D',
  ops: ['adaptive_avgpool'],
  convert(ctx, [x]) {
    const [h, w, c] = imageInput(x, 'PipeTorchAdaptiveAvgPool2D');
    const [oh, ow] = ctx.pair('size', 1);
    const shape = [oh, ow, c];
    if (oh === 1 && ow === 1) return { name: ctx.emit('GlobalAveragePool', [x.name]), shape };
    if (h % oh === 0 && w % ow === 0) {
      const k = [h / oh, w / ow];
      return { name: ctx.emit('AveragePool', [x.name], { kernel_shape: { ints: k }, strides: { ints: k } }), shape };
    }
    bounded(Math.max(w * ow, oh * h), 'averaging matrix');
    // NCHW [b, c, h, w] @ W^T [w, ow] -> [b, c, h, ow]; then H [oh, h] @ that -> [b, c, oh, ow].
    const byWidth = transposed(adaptiveMatrix(w, ow), ow, w);
    const wide = ctx.emit('MatMul', [x.name, ctx.floats('width_bins', [w, ow], byWidth)], {}, 'width');
    return { name: ctx.emit('MatMul', [ctx.floats('height_bins', [oh, h], adaptiveMatrix(h, oh)), wide]), shape };
  },
};

/** A row-major [rows, cols] matrix as [cols, rows]. */
function transposed(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
  return out;
}
