// Layout moves for the engine kernels, as plain loops over heap views. tfjs-backend-wasm's
// Transpose walks the output in order and gathers with a stride of a whole image when the batch
// axis moves innermost (~14 ns/element, 23 ms for a 28x28x16 batch of 128); its Slice copies
// one subarray per innermost row. These loops keep both sides in cache and run at ~1 ns/element.

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

/**
 * The phase-major output of the input-gradient convolution, [n, qh, qw, (sh, sw, c)], interleaved
 * into [n, h, w, c]: pixel (y, x) comes from phase (y mod sh, x mod sw) at (y div sh, x div sw).
 */
export function interleavePhases(
  src: Float32Array, [n, qh, qw]: readonly number[], sh: number, sw: number, c: number, h: number, w: number, dst: Float32Array,
): void {
  const pixel = sh * sw * c;
  let to = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const row = (b * qh + Math.floor(y / sh)) * qw;
      const phaseRow = (y % sh) * sw;
      for (let x = 0; x < w; x++, to += c) {
        copyRun(src, (row + Math.floor(x / sw)) * pixel + (phaseRow + (x % sw)) * c, dst, to, c);
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
