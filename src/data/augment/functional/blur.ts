// F.gaussian_blur on a PIL image: torchvision converts it to a float32 tensor, convolves each
// channel with the outer product of two normalised 1-D Gaussians over a reflect-padded image, and
// rounds half to even back to uint8. The kernels are computed here in single precision as torch
// does; the convolution runs separably in double precision. The exact sum of the same weights
// differs from torch's float32 sum by at most ~1e-4 of a grey level, so the two round apart only
// when a value lies that close to a half: the goldens measure how often (docs/augmentation.md).

import { createImage, type Image } from '../image.js';
import { sourceIndex } from './geometry.js';

const f32 = Math.fround;

/**
 * torch's _get_gaussian_kernel1d in float32: x = linspace(-(k-1)/2, (k-1)/2, k),
 * pdf = exp(-0.5 (x / sigma)^2), kernel = pdf / sum(pdf).
 */
export function gaussianKernel1d(size: number, sigma: number): Float64Array {
  const half = (size - 1) / 2;
  const s = f32(sigma);
  const pdf = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const t = f32((i - half) / s);
    pdf[i] = f32(Math.exp(f32(-0.5 * f32(t * t))));
    sum = f32(sum + pdf[i]);
  }
  for (let i = 0; i < size; i++) pdf[i] = f32(pdf[i] / sum);
  return pdf;
}

/**
 * Blur with a [kx, ky] kernel (torchvision's order: width first) and [sigmaX, sigmaY]. Both
 * kernel sizes must be odd: the output keeps the input's size.
 */
export function gaussianBlur(img: Image, kernelSize: readonly [number, number], sigma: readonly [number, number]): Image {
  const kx = gaussianKernel1d(kernelSize[0], sigma[0]);
  const ky = gaussianKernel1d(kernelSize[1], sigma[1]);
  const { height: h, width: w, channels: c, data } = img;
  const row = w * c;
  const tmp = scratch(h * row);
  // Horizontal pass: tmp[y, x] = sum_j kx[j] * img[y, reflect(x + j - half)]. The kernel is
  // symmetric (k[j] = k[size - 1 - j]: the pdf is even), so mirrored taps share a multiply.
  // Interior values read neighbours at fixed offsets along the flat row; only the `half`
  // pixels at each end need the reflect rule.
  const hx = (kx.length - 1) >> 1;
  const lo = Math.min(hx, w) * c, hi = Math.max(lo, (w - hx) * c);
  for (let y = 0; y < h; y++) {
    const base = y * row;
    if (kx.length === 3) {
      const a = kx[0], b = kx[1];
      for (let i = base + lo, end = base + hi; i < end; i++) tmp[i] = a * (data[i - c] + data[i + c]) + b * data[i];
    } else {
      for (let i = base + lo, end = base + hi; i < end; i++) {
        let s = kx[hx] * data[i];
        for (let j = 1; j <= hx; j++) s += kx[hx - j] * (data[i - j * c] + data[i + j * c]);
        tmp[i] = s;
      }
    }
    for (let i = 0; i < lo; i++) tmp[base + i] = reflectedTap(data, base, i, c, w, kx);
    for (let i = hi; i < row; i++) tmp[base + i] = reflectedTap(data, base, i, c, w, kx);
  }
  // Vertical pass: out[y, x] = round(sum_i ky[i] * tmp[reflect(y + i - half), x]). A store into
  // a Uint8ClampedArray clamps to [0, 255] and rounds half to even (ECMAScript ToUint8Clamp):
  // torch.round then the uint8 cast, without the data-dependent branches of Math.round.
  const hy = (ky.length - 1) >> 1;
  const out = createImage(h, w, c);
  const o = new Uint8ClampedArray(out.data.buffer, out.data.byteOffset, out.data.length);
  for (let y = 0; y < h; y++) {
    const at = y * row;
    if (y >= hy && y < h - hy) {
      if (ky.length === 3) {
        const a = ky[0], b = ky[1];
        for (let i = at, end = at + row; i < end; i++) o[i] = a * (tmp[i - row] + tmp[i + row]) + b * tmp[i];
      } else {
        for (let i = at, end = at + row; i < end; i++) {
          let s = ky[hy] * tmp[i];
          for (let j = 1; j <= hy; j++) s += ky[hy - j] * (tmp[i - j * row] + tmp[i + j * row]);
          o[i] = s;
        }
      }
    } else {
      const rows = new Int32Array(ky.length);
      for (let j = 0; j < ky.length; j++) rows[j] = sourceIndex(y + j - hy, h, 'reflect') * row;
      for (let i = 0; i < row; i++) {
        let s = 0;
        for (let j = 0; j < ky.length; j++) s += ky[j] * tmp[rows[j] + i];
        o[at + i] = s;
      }
    }
  }
  return out;
}

/** One horizontal tap sum at flat row index i, through the reflect rule (the first and last pixels). */
function reflectedTap(data: Uint8Array, base: number, i: number, c: number, w: number, k: Float64Array): number {
  const x = (i / c) | 0, ch = i - x * c, half = (k.length - 1) >> 1;
  let s = 0;
  for (let j = 0; j < k.length; j++) s += k[j] * data[base + sourceIndex(x + j - half, w, 'reflect') * c + ch];
  return s;
}

let scratchBuffer = new Float64Array(0);

/** A reused buffer for the horizontal pass: augmentation runs one image at a time per thread. */
function scratch(n: number): Float64Array {
  if (scratchBuffer.length < n) scratchBuffer = new Float64Array(n);
  return scratchBuffer;
}
