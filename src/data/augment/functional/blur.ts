// F.gaussian_blur on a PIL image: torchvision converts it to a float32 tensor, convolves each
// channel with the outer product of two normalised 1-D Gaussians over a reflect-padded image, and
// rounds half to even back to uint8. The kernels are computed here in single precision as torch
// does; the convolution runs separably in double precision. The exact sum of the same weights
// differs from torch's float32 sum by at most ~1e-4 of a grey level, so the two round apart only
// when a value lies that close to a half: the goldens measure how often (docs/augmentation.md).

import { createImage, type Image } from '../image.js';
import { sourceIndex } from './geometry.js';
import { roundHalfEven } from './rounding.js';

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
  // Horizontal pass over every row: tmp[y, x] = sum_j kx[j] * img[y, reflect(x + j - half)].
  const cols = offsets(w, kx.length, c);
  const tmp = new Float64Array(h * row);
  for (let y = 0; y < h; y++) {
    const base = y * row;
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let j = 0; j < kx.length; j++) s += kx[j] * data[base + cols[x * kx.length + j] + k];
        tmp[base + x * c + k] = s;
      }
    }
  }
  // Vertical pass: out[y, x] = round(sum_i ky[i] * tmp[reflect(y + i - half), x]).
  const rows = offsets(h, ky.length, row);
  const out = createImage(h, w, c);
  const o = out.data;
  for (let y = 0; y < h; y++) {
    for (let i = 0, at = y * row; i < row; i++, at++) {
      let s = 0;
      for (let j = 0; j < ky.length; j++) s += ky[j] * tmp[rows[y * ky.length + j] + i];
      const v = roundHalfEven(s);
      o[at] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/** For each of n positions, the `taps` reflect-padded source offsets (index * stride). */
function offsets(n: number, taps: number, stride: number): Int32Array {
  const half = (taps - 1) >> 1;
  const table = new Int32Array(n * taps);
  for (let p = 0; p < n; p++) {
    for (let j = 0; j < taps; j++) table[p * taps + j] = sourceIndex(p + j - half, n, 'reflect') * stride;
  }
  return table;
}
