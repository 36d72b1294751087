// PipeTorchPad2D (src/graph/layers/pad.ts) pads height and width with a constant: 0 before a conv
// or an average pool, -Infinity before a max pool. Stock tfjs pads with zeros only (ZeroPadding2D).
//
// -Infinity before MaxPooling2D(k, s, 'valid') has two exact stock forms:
// - the pool's input is >= 0 everywhere (it follows a ReLU): every window holds at least one
//   input value (the padding is at most half the kernel), so max(values, 0) = max(values) and
//   zeros pad as well as -Infinity;
// - otherwise MaxPooling2D(k, 1, 'same') computes every window centred as tfjs centres them,
//   ignoring positions outside the input (as -Infinity would): m[i] = max x[i - pb .. i - pb + k - 1]
//   with pb = floor((k - 1) / 2). The windows PyTorch takes start at o*s - top, i.e. are
//   m[o*s + pb - top]: crop pb - top at the start and pa - bottom at the end (pa = k - 1 - pb;
//   then the last index is the last window, whatever the input size), then keep every s-th row
//   and column with MaxPooling2D(1, s). That needs top <= pb and bottom <= pa; else it is refused.
import { outputOf, stockLayer, type LayerJson, type TensorRef } from '../topology.js';
import { pairField, wholeField, type Replacement, type RewriteContext, type StockRewrite } from './rewrite.js';

type Pads = [[number, number], [number, number]];

export const torchPad2D: StockRewrite = {
  className: 'PipeTorchPad2D',
  rewrite(layer, input, ctx) {
    const pads = padsOf(layer, ctx);
    const value = padValue(layer.config.value);
    if (value === 0) return single(stockLayer('ZeroPadding2D', layer.name, { padding: pads, data_format: 'channels_last' }, [input]));
    if (value !== -Infinity) ctx.refuse(layer, `it pads with ${JSON.stringify(layer.config.value)}; stock layers pad with zeros only`);
    const consumers = ctx.consumers(layer.name);
    const pool = consumers[0];
    if (consumers.length !== 1 || pool.class_name !== 'MaxPooling2D') {
      ctx.refuse(layer, `it pads with -Infinity for a max pool, but its output goes to ${consumers.map((c) => `${c.name} (${c.class_name})`).join(', ') || 'no layer'}`);
    }
    if (pool.config.padding !== 'valid') ctx.refuse(pool, `a max pool after -Infinity padding pads again ('${String(pool.config.padding)}')`);
    const kernel = pairField(pool, 'pool_size', ctx, 1);
    const strides = pool.config.strides === null || pool.config.strides === undefined ? kernel : pairField(pool, 'strides', ctx, 1);
    for (const a of [0, 1]) {
      if (Math.max(...pads[a]) > Math.floor(kernel[a] / 2)) ctx.refuse(layer, `its padding ${JSON.stringify(pads[a])} is over half the pool's kernel ${kernel[a]}: a window could hold padding alone`);
    }
    if (ctx.nonNegative(input)) return single(stockLayer('ZeroPadding2D', layer.name, { padding: pads, data_format: 'channels_last' }, [input]));
    return samePool(layer, pool, input, pads, kernel, strides, ctx);
  },
};

/** The padding constant. -Infinity is stored as a string (JSON has none), which tfjs's save
 *  turns to snake case like every config string: '-_infinity'. */
function padValue(v: unknown): number {
  if (v === '-Infinity' || v === '-_infinity') return -Infinity;
  return typeof v === 'number' ? v : NaN;
}

function padsOf(layer: LayerJson, ctx: RewriteContext): Pads {
  const p = layer.config.padding;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((a) => Array.isArray(a) && a.length === 2)) ctx.refuse(layer, `its padding is ${JSON.stringify(p)}, not [[top, bottom], [left, right]] (is model.json damaged?)`);
  const rows = p as unknown[][];
  return [0, 1].map((a) => [0, 1].map((i) => wholeField(layer, rows[a][i], 'padding', ctx))) as Pads;
}

const single = (l: LayerJson): Replacement => ({ layers: [l], output: outputOf(l) });

function samePool(pad: LayerJson, pool: LayerJson, input: TensorRef, pads: Pads, kernel: [number, number], strides: [number, number], ctx: RewriteContext): Replacement {
  const before = kernel.map((k) => Math.floor((k - 1) / 2));
  const crop = [0, 1].map((a) => [before[a] - pads[a][0], kernel[a] - 1 - before[a] - pads[a][1]]) as Pads;
  if (crop.flat().some((c) => c < 0)) {
    ctx.refuse(pad, `it pads ${JSON.stringify(pads)} with -Infinity for the ${kernel.join('x')} max pool ${pool.name}, whose input may be negative: no stock form (tfjs's 'same' pooling pads ${JSON.stringify(before.map((b, a) => [b, kernel[a] - 1 - b]))})`);
  }
  const layers: LayerJson[] = [stockLayer('MaxPooling2D', ctx.freshName(`${pool.name}/windows`), { pool_size: kernel, strides: [1, 1], padding: 'same', data_format: 'channels_last' }, [input])];
  const last = () => outputOf(layers[layers.length - 1]);
  if (crop.flat().some((c) => c > 0)) layers.push(stockLayer('Cropping2D', ctx.freshName(`${pool.name}/align`), { cropping: crop, data_format: 'channels_last' }, [last()]));
  if (strides.some((s) => s > 1)) layers.push(stockLayer('MaxPooling2D', ctx.freshName(`${pool.name}/stride`), { pool_size: [1, 1], strides, padding: 'valid', data_format: 'channels_last' }, [last()]));
  return { layers, output: last(), absorbs: pool.name };
}
