// Conv2DBackpropInput for wasm (the transposed convolution). tfjs-backend-wasm 4.22 runs it as a
// naive loop (~1-2 GFLOP/s); here it is one stride-1 XNNPACK convolution plus a pixel shuffle.
//
// Derivation, one axis (the other is alike). Forward: y[i] = sum_k xp[s*i + k] * w[k], so
// dx[u] = sum_{k, i: s*i + k = u + p} dy[i] * w[k]. Split u = s*q + r (r = phase). Then
// k = k0 + s*m with k0 = (r + p) mod s, i = q + c_r - m, c_r = floor((r + p) / s): every phase
// is a stride-1 correlation of dy with the taps w[k0], w[k0 + s], ... reversed. Aligning the
// phases' offsets c_r gives one conv with s*s*Cin output channels (phase-major), whose output
// [n, q, q', (r, r', c)] is shuffled to dx[n, s*q + r, s*q' + r', c]. With s = 1 this is the
// usual "convolve with the flipped, transposed filter".
import { backend_util, type Conv2DBackpropInputAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { interleavePhases } from './layout.js';
import type { KernelOverride } from './overrides.js';
import { Scratch, fitAxis } from './scratch.js';

/** For one axis: the combined filter's length and, per phase r and tap t, the source tap (-1 = zero). */
export interface PhasePlan {
  readonly taps: number;
  /** dy elements the combined conv reads before dy[0] (negative: dy elements it skips). */
  readonly padBefore: number;
  readonly source: readonly (readonly number[])[];
}

export function phasePlan(kernel: number, stride: number, pad: number): PhasePlan {
  const perPhase = Math.ceil(kernel / stride);
  const offsets = Array.from({ length: stride }, (_, r) => Math.floor((r + pad) / stride));
  const lo = Math.min(...offsets);
  const taps = perPhase + Math.max(...offsets) - lo;
  const source = offsets.map((c, r) =>
    Array.from({ length: taps }, (_, t) => {
      const m = c - lo + perPhase - 1 - t;
      const k = ((r + pad) % stride) + stride * m;
      return m >= 0 && k < kernel ? k : -1;
    }));
  return { taps, padBefore: perPhase - 1 - lo, source };
}

function conv2DBackpropInput(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  if (attrs.dataFormat === 'NCHW') throw new Error("wasm Conv2DBackpropInput supports dataFormat 'NHWC' only");
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight, inWidth, inChannels, outChannels, strideHeight: sh, strideWidth: sw } = info;
  const { outHeight, outWidth, padInfo } = info;
  const planH = phasePlan(info.filterHeight, sh, padInfo.top);
  const planW = phasePlan(info.filterWidth, sw, padInfo.left);
  const s = new Scratch(backend);

  const combined = combinedFilter(s, filter, planH, planW);
  // Phase rows needed: ceil(inHeight / sh). The conv makes (dy rows + pads) - taps + 1 of them.
  const qh = Math.ceil(inHeight / sh);
  const qw = Math.ceil(inWidth / sw);
  const rows = fitAxis(outHeight, planH.padBefore, qh + planH.taps - 1 - outHeight - planH.padBefore);
  const cols = fitAxis(outWidth, planW.padBefore, qw + planW.taps - 1 - outWidth - planW.padBefore);
  const dyFit = s.slice(dy, [0, rows.begin, cols.begin, 0], [n, rows.size, cols.size, outChannels]);
  const pad = [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]];
  const phases = s.run('Conv2D', { x: dyFit, filter: combined }, { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC' });
  if (sh === 1 && sw === 1) return s.release(phases);
  const dx = s.alloc([n, inHeight, inWidth, inChannels]);
  interleavePhases(s.view(phases), phases.shape, sh, sw, inChannels, inHeight, inWidth, s.view(dx));
  return s.release(dx);
}

/** The stride-1 filter [tapsH, tapsW, cout, (phaseH, phaseW, cin)] that computes every phase at once. */
function combinedFilter(s: Scratch, filter: TensorInfo, planH: PhasePlan, planW: PhasePlan): TensorInfo {
  const [, kw, cin, cout] = filter.shape;
  const phasesW = planW.source.length;
  const phases = planH.source.length * phasesW;
  const out = s.alloc([planH.taps, planW.taps, cout, phases * cin]);
  const src = s.view(filter);
  const dst = s.view(out).fill(0);
  for (let th = 0; th < planH.taps; th++) {
    for (let tw = 0; tw < planW.taps; tw++) {
      const dstTap = (th * planW.taps + tw) * cout * phases * cin;
      planH.source.forEach((sourceH, rh) => planW.source.forEach((sourceW, rw) => {
        const a = sourceH[th];
        const b = sourceW[tw];
        if (a < 0 || b < 0) return;
        // Tap (a, b) of w, [cin, cout], goes transposed to [cout, cin] in this phase's channel slot.
        const srcTap = (a * kw + b) * cin * cout;
        const to = dstTap + (rh * phasesW + rw) * cin;
        for (let i = 0; i < cin; i++) {
          for (let o = 0; o < cout; o++) dst[to + o * phases * cin + i] = src[srcTap + i * cout + o];
        }
      }));
    }
  }
  return out;
}

export const conv2DBackpropInputOverride: KernelOverride = { kernelName: 'Conv2DBackpropInput', build: () => conv2DBackpropInput as unknown as KernelFunc };
