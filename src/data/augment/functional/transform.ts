// PIL's Image.transform(size, AFFINE, matrix, resample, fillcolor), which torchvision's rotate
// and affine call on PIL images. `matrix` maps an output pixel centre (x + 0.5, y + 0.5) to the
// input point it samples: (a0 x + a1 y + a2, a3 x + a4 y + a5). Ported from libImaging/Geometry.c
// operation for operation (16.16 fixed point for nearest, truncating bilinear), so the output is
// the same integers, not an approximation of them.

import { type Image, solidImage } from '../image.js';

export type Interpolation = 'nearest' | 'bilinear';

/** Six coefficients [a0..a5] of the output-to-input affine map, PIL's `data`. */
export type AffineMatrix = readonly [number, number, number, number, number, number];

export function transformAffine(
  img: Image,
  height: number,
  width: number,
  matrix: AffineMatrix,
  interpolation: Interpolation,
  fill: Uint8Array,
): Image {
  // Image.new(mode, size, fillcolor): pixels no input point lands on keep the fill colour.
  const out = solidImage(height, width, fill);
  if (interpolation === 'bilinear') bilinear(img, out, matrix);
  else if (matrix[1] === 0 && matrix[3] === 0) nearestScale(img, out, matrix);
  else if (fitsFixedPoint(matrix, width, height)) nearestFixed(img, out, matrix);
  else nearestFloat(img, out, matrix);
  return out;
}

function copyPixel(img: Image, out: Image, from: number, to: number): void {
  const c = img.channels;
  for (let k = 0; k < c; k++) out.data[to + k] = img.data[from + k];
}

/** C's (int) cast of a coordinate, with PIL's COORD rule that anything negative is -1. */
function coord(v: number): number {
  return v < 0 ? -1 : Math.trunc(v);
}

/** ImagingScaleAffine: axis-aligned maps; x positions are accumulated, not multiplied. */
function nearestScale(img: Image, out: Image, a: AffineMatrix): void {
  const c = img.channels;
  const xin = new Int32Array(out.width).fill(-1);
  let xo = a[2] + a[0] * 0.5;
  for (let x = 0; x < out.width; x++) {
    const xi = coord(xo);
    if (xi >= 0 && xi < img.width) xin[x] = xi;
    xo += a[0];
  }
  let yo = a[5] + a[4] * 0.5;
  for (let y = 0; y < out.height; y++) {
    const yi = coord(yo);
    if (yi >= 0 && yi < img.height) {
      for (let x = 0; x < out.width; x++) {
        if (xin[x] >= 0) copyPixel(img, out, (yi * img.width + xin[x]) * c, (y * out.width + x) * c);
      }
    }
    yo += a[4];
  }
}

/** PIL uses 16.16 fixed point when all four corners map inside +-32768 (check_fixed). */
function fitsFixedPoint(a: AffineMatrix, w: number, h: number): boolean {
  const ok = (x: number, y: number): boolean =>
    Math.abs(x * a[0] + y * a[1] + a[2]) < 32768 && Math.abs(x * a[3] + y * a[4] + a[5]) < 32768;
  return ok(0, 0) && ok(w, h) && ok(0, h) && ok(w, 0);
}

/** affine_fixed: coordinates stepped in 16.16 fixed point, sampled with an arithmetic shift. */
function nearestFixed(img: Image, out: Image, a: AffineMatrix): void {
  const fix = (v: number): number => Math.floor(v * 65536 + 0.5) | 0;
  const a0 = fix(a[0]), a1 = fix(a[1]), a3 = fix(a[3]), a4 = fix(a[4]);
  let a2 = fix(a[2] + a[0] * 0.5 + a[1] * 0.5);
  let a5 = fix(a[5] + a[3] * 0.5 + a[4] * 0.5);
  const { width: inW, height: inH, channels: c, data } = img;
  const o = out.data;
  for (let y = 0, at = 0; y < out.height; y++) {
    let xx = a2, yy = a5;
    for (let x = 0; x < out.width; x++, at += c) {
      const xi = xx >> 16, yi = yy >> 16;
      if (xi >= 0 && xi < inW && yi >= 0 && yi < inH) {
        const from = (yi * inW + xi) * c;
        if (c === 3) {
          o[at] = data[from];
          o[at + 1] = data[from + 1];
          o[at + 2] = data[from + 2];
        } else for (let k = 0; k < c; k++) o[at + k] = data[from + k];
      }
      xx = (xx + a0) | 0;
      yy = (yy + a3) | 0;
    }
    a2 = (a2 + a1) | 0;
    a5 = (a5 + a4) | 0;
  }
}

/** ImagingTransformAffine's floating-point loop, for maps too large for 16.16. */
function nearestFloat(img: Image, out: Image, a: AffineMatrix): void {
  const c = img.channels;
  let xo = a[2] + a[1] * 0.5 + a[0] * 0.5;
  let yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
  for (let y = 0; y < out.height; y++) {
    let xx = xo, yy = yo;
    for (let x = 0; x < out.width; x++) {
      const xi = coord(xx), yi = coord(yy);
      if (xi >= 0 && xi < img.width && yi >= 0 && yi < img.height) {
        copyPixel(img, out, (yi * img.width + xi) * c, (y * out.width + x) * c);
      }
      xx += a[0];
      yy += a[3];
    }
    xo += a[1];
    yo += a[4];
  }
}

/**
 * ImagingGenericTransform with bilinear_filter8/32RGB: sample at (xin - 0.5, yin - 0.5),
 * v = v00 + (v01 - v00) dx per row, then rows by dy, all in doubles, truncated to uint8.
 * Edge pixels clamp; a point outside [0, size) keeps the fill colour.
 */
function bilinear(img: Image, out: Image, a: AffineMatrix): void {
  const { width: inW, height: inH, channels: c, data } = img;
  const o = out.data;
  for (let y = 0, at = 0; y < out.height; y++) {
    const yc = y + 0.5;
    for (let x = 0; x < out.width; x++, at += c) {
      const xc = x + 0.5;
      let xin = a[0] * xc + a[1] * yc + a[2];
      let yin = a[3] * xc + a[4] * yc + a[5];
      if (!(xin >= 0 && xin < inW && yin >= 0 && yin < inH)) continue;
      xin -= 0.5;
      yin -= 0.5;
      const x0 = Math.floor(xin), y0 = Math.floor(yin);
      const dx = xin - x0, dy = yin - y0;
      const colA = (x0 < 0 ? 0 : x0 < inW ? x0 : inW - 1) * c;
      const colB = (x0 + 1 < inW ? x0 + 1 : inW - 1) * c;
      const rowA = (y0 < 0 ? 0 : y0 < inH ? y0 : inH - 1) * inW * c;
      const hasRowB = y0 + 1 >= 0 && y0 + 1 < inH;
      const rowB = (y0 + 1) * inW * c;
      for (let k = 0; k < c; k++) {
        const p = data[rowA + colA + k], q = data[rowA + colB + k];
        const v1 = p + (q - p) * dx;
        let v2 = v1;
        if (hasRowB) {
          const r = data[rowB + colA + k], s = data[rowB + colB + k];
          v2 = r + (s - r) * dx;
        }
        o[at + k] = v1 + (v2 - v1) * dy;
      }
    }
  }
}
