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
//
// Few input channels (an RGB or greyscale first layer) would leave that conv with 1-3 output
// channels, which XNNPACK computes at the cost of 8. Blocking fixes it: b outputs per phase per
// conv step, dx[s*(b*q + m) + r] = sum_u dyp[b*q + u] F_r[u - m], is one conv of stride b with
// b*s phases per axis, taps + b - 1 taps, and the same shuffle.
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
  /** The combined conv's stride over dy: the block factor. */
  readonly step: number;
  /** Per phase (block * stride of them), per tap: the kernel tap it takes, or -1. */
  readonly source: readonly (readonly number[])[];
}

export function phasePlan(kernel: number, stride: number, pad: number, block = 1): PhasePlan {
  const plain = stridePhases(kernel, stride, pad);
  const taps = plain.taps + block - 1;
  // Phase s*m + r of a block is phase r shifted by m taps.
  const source = Array.from({ length: block * stride }, (_, p) => {
    const [m, r] = [Math.floor(p / stride), p % stride];
    return Array.from({ length: taps }, (_, u) => (u >= m && u - m < plain.taps ? plain.source[r][u - m] : -1));
  });
  return { taps, padBefore: plain.padBefore, step: block, source };
}

/** The unblocked plan: one phase per residue of the stride. */
function stridePhases(kernel: number, stride: number, pad: number): { taps: number; padBefore: number; source: number[][] } {
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

/**
 * Outputs per phase per conv step, so the combined conv has at least 4 output channels. Measured on
 * the 7x7 first layer of 28x28 greyscale (batch 128): 1 channel 127 ms, 4 (block 2) 20 ms, 9 (block
 * 3) 42 ms, 16 (block 4) 19 ms; XNNPACK's tiles are 4 or 8 channels wide, and blocks add taps.
 */
export function blockFor(phaseChannels: number): number {
  return phaseChannels >= 4 ? 1 : 2;
}

function conv2DBackpropInput(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  if (attrs.dataFormat === 'NCHW') throw new Error("wasm Conv2DBackpropInput supports dataFormat 'NHWC' only");
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight, inWidth, inChannels, outChannels, strideHeight: sh, strideWidth: sw } = info;
  const { outHeight, outWidth, padInfo } = info;
  const block = blockFor(sh * sw * inChannels);
  const planH = phasePlan(info.filterHeight, sh, padInfo.top, block);
  const planW = phasePlan(info.filterWidth, sw, padInfo.left, block);
  const s = new Scratch(backend);

  const combined = combinedFilter(s, filter, planH, planW);
  // Conv outputs needed per axis: ceil(size / phases). Output q reads dy rows step*q .. step*q + taps - 1.
  const [ph, pw] = [planH.source.length, planW.source.length];
  const [qh, qw] = [Math.ceil(inHeight / ph), Math.ceil(inWidth / pw)];
  const rows = fitAxis(outHeight, planH.padBefore, block * (qh - 1) + planH.taps - outHeight - planH.padBefore);
  const cols = fitAxis(outWidth, planW.padBefore, block * (qw - 1) + planW.taps - outWidth - planW.padBefore);
  const dyFit = s.slice(dy, [0, rows.begin, cols.begin, 0], [n, rows.size, cols.size, outChannels]);
  const pad = [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]];
  const phases = s.run('Conv2D', { x: dyFit, filter: combined }, { strides: [block, block], pad, dilations: [1, 1], dataFormat: 'NHWC' });
  if (ph === 1 && pw === 1) return s.release(phases);
  const dx = s.alloc([n, inHeight, inWidth, inChannels]);
  interleavePhases(s.view(phases), phases.shape, ph, pw, inChannels, inHeight, inWidth, s.view(dx));
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
