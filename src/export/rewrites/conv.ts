// Conv2D is stock, and stock tfjs runs a dilated one, but not with a stride as well (tfjs-core's
// conv2d asserts "Either strides or dilations must be 1"; the engine trains it through
// src/graph/layers/conv-dilated.ts). A conv with dilation d over a k-tap kernel is the dilation-1
// conv over the (k-1)*d+1-tap kernel holding the taps at multiples of d and zeros between
// (y[o] = sum_t w[t] x[o*s + t*d]), so that one is written instead, with the same weight names
// ('same' padding is unchanged: tfjs pads by the dilated kernel's size, which the wide one has).
import type { NamedWeight } from '../topology.js';
import { pairField, type StockRewrite } from './rewrite.js';

/** [kh, kw, ci, co] -> [(kh-1)*dh+1, (kw-1)*dw+1, ci, co], w at multiples of the dilation, zeros between. */
export function dilateKernel(w: NamedWeight, [dh, dw]: readonly [number, number]): NamedWeight {
  const [kh, kw, ci, co] = w.shape;
  const [eh, ew] = [(kh - 1) * dh + 1, (kw - 1) * dw + 1];
  const tap = ci * co;
  const out = new Float32Array(eh * ew * tap);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) out.set(w.data.subarray((i * kw + j) * tap, (i * kw + j + 1) * tap), (i * dh * ew + j * dw) * tap);
  }
  return { name: w.name, shape: [eh, ew, ci, co], data: out };
}

export const conv2D: StockRewrite = {
  className: 'Conv2D',
  rewrite(layer, input, ctx) {
    const dilation = pairField(layer, 'dilation_rate', ctx, 1);
    const strides = pairField(layer, 'strides', ctx, 1);
    const same = { ...layer, inbound_nodes: [[[input.layer, input.node, input.tensor, {}]]] } as typeof layer;
    if (dilation.every((d) => d === 1) || strides.every((s) => s === 1)) return { layers: [same], output: { layer: layer.name, node: 0, tensor: 0 } };
    const kernel = ctx.weight(`${layer.name}/kernel`);
    const [kh, kw] = pairField(layer, 'kernel_size', ctx, 1);
    if (kernel.shape.length !== 4 || kernel.shape[0] !== kh || kernel.shape[1] !== kw) ctx.refuse(layer, `its kernel is ${kernel.shape.join('x')}, not ${kh}x${kw}xCxF (is weights.bin damaged?)`);
    const wide = dilateKernel(kernel, dilation);
    const config = { ...layer.config, kernel_size: wide.shape.slice(0, 2), dilation_rate: [1, 1] };
    return { layers: [{ ...same, config }], output: { layer: layer.name, node: 0, tensor: 0 }, dropWeights: [kernel.name], addWeights: [wide] };
  },
};
