// Layout moves for the engine kernels, as plain loops over heap views. tfjs-backend-wasm's
// Transpose walks the output in order and gathers with a stride of a whole image when the batch
// axis moves innermost (~14 ns/element, 23 ms for a 28x28x16 batch of 128); its Slice copies
// one subarray per innermost row. These loops keep both sides in cache: 2-4 ns/element here
// (a quarter to a half of the stock gather), copies of runs of 64 floats or more at memcpy speed.

/**
 * Images [first, first + n) of x [*, h, w, c] -> [c, rows, cols, n], keeping only the window of
 * `rows` x `cols` pixels at (top, left): the filter-gradient convolution's input, cropped in the same pass.
 */
export function toChannelsMajor(
  src: Float32Array, [h, w, c]: readonly number[], first: number, n: number, top: number, rows: number, left: number, cols: number, dst: Float32Array,
): void {
  const plane = rows * cols * n;
  const image = h * w * c;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const pixelOut = (i * cols + j) * n;
      const pixelIn = first * image + ((top + i) * w + left + j) * c;
      // For one pixel, all n images' channel runs (n cache lines) are read once and reused across c.
      for (let ch = 0; ch < c; ch++) {
        const out = ch * plane + pixelOut;
        let at = pixelIn + ch;
        for (let b = 0; b < n; b++, at += image) dst[out + b] = src[at];
      }
    }
  }
}

/** Rows [top, top + rows) of images [first, first + n) of dy [*, oh, ow, c] -> [rows, ow, n, c]. */
export function toPixelMajor(
  src: Float32Array, [oh, ow, c]: readonly number[], first: number, n: number, top: number, rows: number, dst: Float32Array,
): void {
  let to = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < ow; j++) {
      for (let b = 0; b < n; b++, to += c) copyRun(src, (((first + b) * oh + top + i) * ow + j) * c, dst, to, c);
    }
  }
}

/** [a, b, run] -> [b, a, run]: swaps the two leading axes, moving contiguous runs. */
export function swapLeading(src: Float32Array, a: number, b: number, run: number, dst: Float32Array): void {
  for (let j = 0; j < b; j++) {
    for (let i = 0; i < a; i++) {
      const from = (i * b + j) * run;
      const to = (j * a + i) * run;
      copyRun(src, from, dst, to, run);
    }
  }
}

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
  let to = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const row = (b * qh + Math.floor(y / ph)) * qw;
      for (let x = 0; x < w; x++, to += c) {
        const part = parts[(y % ph) * pw + (x % pw)];
        if (part === null) dst.fill(0, to, to + c);
        else copyRun(part.values, (row + Math.floor(x / pw)) * part.pixel + part.offset, dst, to, c);
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
