// The fixed-parameter functions, one per torchvision.transforms.functional function they mirror
// (same meaning, camelCase names). Each randomised op draws its parameters and calls one of these,
// as torchvision's transform classes call F.*; the golden tests call them directly.

export { adjustBrightness, adjustContrast, adjustSaturation, luma, meanLuma } from './color.js';
export { adjustHue } from './hue.js';
export { affine, inverseAffineMatrix, type AffineOptions, type AffineParams } from './affine.js';
export { gaussianBlur, gaussianKernel1d } from './blur.js';
export { cutout, type Hole } from './cutout.js';
export { centerCrop, crop, hflip, pad, padCrop, parsePadding, vflip, type Padding, type PaddingMode } from './geometry.js';
export { normalizeTable, writeFloat32, type NormalizeParams } from './normalize.js';
export { resize, resizedSize } from './resize.js';
export { rotate, type RotateOptions } from './rotate.js';
export { transformAffine, type AffineMatrix, type Interpolation } from './transform.js';
