// The pixel shuffle of the input-gradient kernel, as a plain loop over heap views: no stock kernel
// interleaves several buffers, and tfjs-backend-wasm's Slice (for the crop at odd sizes) copies
// one subarray per innermost row. Runs of 64 floats or more are copied at memcpy speed.

/** One phase's values in the input-gradient conv's output: pixel stride and channel offset. */
export interface PhaseOutput {
  readonly values: Float32Array;
  readonly pixel: number;
  readonly offset: number;
}

/**
 * The input-gradient conv's phase outputs, each [n, qh, qw, c] at its own stride and offset (null:
 * all zero), interleaved into [n, h, w, c]: pixel (y, x) comes from phase (y mod ph, x mod pw) at
 * (y div ph, x div pw).
 */
export function interleavePhases(
  parts: readonly (PhaseOutput | null)[], [n, qh, qw]: readonly number[], ph: number, pw: number, c: number, h: number, w: number, dst: Float32Array,
): void {
  // Phases no tap reaches are zero: one native fill instead of a call per pixel.
  if (parts.includes(null)) dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const phaseRow = (b * qh + Math.floor(y / ph)) * qw;
      const outRow = (b * h + y) * w * c;
      // One phase at a time: its pixels are every pw-th of this row, read in order from its output.
      for (let rw = 0; rw < pw; rw++) {
        const part = parts[(y % ph) * pw + rw];
        if (part === null) continue;
        for (let x = rw, q = phaseRow; x < w; x += pw, q++) copyRun(part.values, q * part.pixel + part.offset, dst, outRow + x * c, c);
      }
    }
  }
}

// Below ~64 floats a loop beats TypedArray.set, whose call costs ~100 ns.
function copyRun(src: Float32Array, from: number, dst: Float32Array, to: number, run: number): void {
  if (run >= 64) {
    dst.set(src.subarray(from, from + run), to);
    return;
  }
  for (let k = 0; k < run; k++) dst[to + k] = src[from + k];
}
