// Conv2DBackpropInput for wasm (the transposed convolution). tfjs-backend-wasm 4.22 runs it as a
// naive loop (~1-2 GFLOP/s); here it is XNNPACK convolutions over dy, one per output phase (or
// one for all of them), plus a pixel shuffle.
//
// Derivation, one axis (the other is alike). Forward: y[i] = sum_k xp[s*i + k] * w[k], so
// dx[u] = sum_{k, i: s*i + k = u + p} dy[i] * w[k]. Split u = s*q + r (r = phase). Then
// k = k0 + s*m with k0 = (r + p) mod s, i = q + c_r - m, c_r = floor((r + p) / s): every phase
// is a stride-1 correlation of dy with the taps w[k0], w[k0 + s], ... reversed. Aligning the
// phases' offsets c_r gives one conv with s*s*Cin output channels (phase-major), whose output
// [n, q, q', (r, r', c)] is shuffled to dx[n, s*q + r, s*q' + r', c]; or each phase is its own
// conv over just its taps. With s = 1 this is the usual "convolve with the flipped, transposed
// filter".
//
// Few input channels (an RGB or greyscale first layer) would leave that conv with 1-3 output
// channels, which XNNPACK computes at the cost of 8. Blocking fixes it: b outputs per phase per
// conv step, dx[s*(b*q + m) + r] = sum_u dyp[b*q + u] F_r[u - m], is one conv of stride b with
// b*s phases per axis, taps + b - 1 taps, and the same shuffle.
import { backend_util, type Conv2DBackpropInputAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { interleavePhases, type PhaseOutput } from './layout.js';
import type { KernelOverride } from './overrides.js';
import { fitAxis, withScratch, type Scratch } from './scratch.js';

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
  const { batchSize: n, inHeight, inWidth, inChannels, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const block = blockFor(sh * sw * inChannels);
  const planH = phasePlan(info.filterHeight, sh, padInfo.top, block);
  const planW = phasePlan(info.filterWidth, sw, padInfo.left, block);
  const [ph, pw] = [planH.source.length, planW.source.length];
  const q: [number, number] = [Math.ceil(inHeight / ph), Math.ceil(inWidth / pw)];
  return withScratch(backend, (s) => {
    const all = (count: number) => Array.from({ length: count }, (_, i) => i);
    // Stride 1 has one phase: the conv's output is dx. (A kernel always has taps for it.)
    if (ph * pw === 1) return phaseConv(s, dy, filter, planH, planW, [0], [0], q) as TensorInfo;

    const dx = s.alloc([n, inHeight, inWidth, inChannels]);
    let parts: (PhaseOutput | null)[];
    if (inChannels < PER_PHASE_CHANNELS) {
      // Few channels: one conv for all phases, or each conv would have 1-7 output channels.
      const out = phaseConv(s, dy, filter, planH, planW, all(ph), all(pw), q) as TensorInfo;
      parts = all(ph * pw).map((p) => ({ values: s.view(out), pixel: ph * pw * inChannels, offset: p * inChannels }));
    } else {
      // One conv per phase over only its own taps: a 3x3 stride-2 kernel has 9 taps, not the 16 of
      // the phases' common 2x2 window, and a 1x1 stride-2 kernel feeds one phase of four.
      const outs = all(ph * pw).map((p) => phaseConv(s, dy, filter, planH, planW, [Math.floor(p / pw)], [p % pw], q));
      parts = outs.map((out) => (out ? { values: s.view(out), pixel: inChannels, offset: 0 } : null));
    }
    interleavePhases(parts, [n, q[0], q[1]], ph, pw, inChannels, inHeight, inWidth, s.view(dx));
    return dx;
  });
}

/** Below this many channels, separate per-phase convs would waste more of XNNPACK's tiles than they save in taps. */
const PER_PHASE_CHANNELS = 8;

/**
 * The stride-`step` conv over dy that computes the phases phasesH x phasesW (phase-major channels),
 * over only the taps some of them use; null when they use none (their outputs are zero).
 */
function phaseConv(
  s: Scratch, dy: TensorInfo, filter: TensorInfo, planH: PhasePlan, planW: PhasePlan, phasesH: number[], phasesW: number[], [qh, qw]: [number, number],
): TensorInfo | null {
  const tapsH = usedTaps(planH, phasesH);
  const tapsW = usedTaps(planW, phasesW);
  if (!tapsH || !tapsW) return null;
  const [n, outHeight, outWidth, outChannels] = dy.shape;
  const combined = combinedFilter(s, filter, planH, planW, phasesH, phasesW, tapsH, tapsW);
  // Output q reads dy rows step*q + lo .. step*q + hi - 1 (relative to the plan's padding).
  const rows = fitAxis(outHeight, planH.padBefore - tapsH[0], planH.step * (qh - 1) + tapsH[1] - outHeight - planH.padBefore);
  const cols = fitAxis(outWidth, planW.padBefore - tapsW[0], planW.step * (qw - 1) + tapsW[1] - outWidth - planW.padBefore);
  const dyFit = s.slice(dy, [0, rows.begin, cols.begin, 0], [n, rows.size, cols.size, outChannels]);
  const pad = [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]];
  return s.run('Conv2D', { x: dyFit, filter: combined }, { strides: [planH.step, planW.step], pad, dilations: [1, 1], dataFormat: 'NHWC' });
}

/** The window [lo, hi) of taps that any of `phases` takes from the kernel; null when none does. */
export function usedTaps(plan: PhasePlan, phases: readonly number[]): [number, number] | null {
  let [lo, hi] = [Infinity, -Infinity];
  for (const p of phases) {
    plan.source[p].forEach((k, t) => {
      if (k >= 0) [lo, hi] = [Math.min(lo, t), Math.max(hi, t + 1)];
    });
  }
  return lo < hi ? [lo, hi] : null;
}

/** The filter [taps, taps, cout, (phaseH, phaseW, cin)] of phaseConv, for taps [lo, hi) on each axis. */
function combinedFilter(
  s: Scratch, filter: TensorInfo, planH: PhasePlan, planW: PhasePlan, phasesH: number[], phasesW: number[], [loH, hiH]: number[], [loW, hiW]: number[],
): TensorInfo {
  const [, kw, cin, cout] = filter.shape;
  const slots = phasesH.length * phasesW.length * cin;
  const out = s.alloc([hiH - loH, hiW - loW, cout, slots]);
  const src = s.view(filter);
  const dst = s.view(out).fill(0);
  for (let th = loH; th < hiH; th++) {
    for (let tw = loW; tw < hiW; tw++) {
      const dstTap = ((th - loH) * (hiW - loW) + tw - loW) * cout * slots;
      phasesH.forEach((rh, i) => phasesW.forEach((rw, j) => {
        const a = planH.source[rh][th];
        const b = planW.source[rw][tw];
        if (a < 0 || b < 0) return;
        // Tap (a, b) of w, [cin, cout], goes transposed to [cout, cin] in this phase's channel slot.
        const srcTap = (a * kw + b) * cin * cout;
        const to = dstTap + (i * phasesW.length + j) * cin;
        for (let c = 0; c < cin; c++) {
          for (let o = 0; o < cout; o++) dst[to + o * slots + c] = src[srcTap + c * cout + o];
        }
      }));
    }
  }
  return out;
}

export const conv2DBackpropInputOverride: KernelOverride = { kernelName: 'Conv2DBackpropInput', build: () => conv2DBackpropInput as unknown as KernelFunc };
