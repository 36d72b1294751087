// F.affine on a PIL image: torchvision builds the inverse of T * C * R * S * Sh * C^-1 and hands
// it to PIL's Image.transform. Angle and shear are clockwise degrees, translate is in pixels
// (after rotation), scale multiplies sizes, the centre (default the image centre) stays fixed.

import { type Image } from '../image.js';
import { type AffineMatrix, type Interpolation, transformAffine } from './transform.js';

export interface AffineParams {
  /** Clockwise degrees. */
  readonly angle: number;
  /** [dx, dy] in pixels. */
  readonly translate: readonly [number, number];
  readonly scale: number;
  /** [x, y] shear angles in degrees. */
  readonly shear: readonly [number, number];
}

export interface AffineOptions {
  readonly interpolation: Interpolation;
  readonly fill: Uint8Array;
  /** (x, y) in pixels from the top-left corner; null for the image centre (w/2, h/2). */
  readonly center: readonly [number, number] | null;
}

export function affine(img: Image, params: AffineParams, opts: AffineOptions): Image {
  const center = opts.center ?? [img.width * 0.5, img.height * 0.5];
  const matrix = inverseAffineMatrix(center, params.angle, params.translate, params.scale, params.shear);
  return transformAffine(img, img.height, img.width, matrix, opts.interpolation, opts.fill);
}

/**
 * torchvision's _get_inverse_affine_matrix, operation for operation. With RSS = R(a) S(s)
 * Sh_y(sy) Sh_x(sx), det(R Sh) = 1, so RSS^-1 = [d, -b; -c, a] / s; then the centre and the
 * translation are undone: M^-1 = C RSS^-1 C^-1 T^-1.
 */
export function inverseAffineMatrix(
  center: readonly [number, number],
  angle: number,
  translate: readonly [number, number],
  scale: number,
  shear: readonly [number, number],
): AffineMatrix {
  const rad = Math.PI / 180;
  const rot = angle * rad, sx = shear[0] * rad, sy = shear[1] * rad;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m as unknown as AffineMatrix;
}
