// albumentations' functional cutout: every hole (x1, y1, x2, y2), end-exclusive and already
// clipped to the image, is painted with the fill colour.

import { type Image } from '../image.js';

/** One rectangle [x1, x2) x [y1, y2) in pixels. */
export interface Hole {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export function cutout(img: Image, holes: readonly Hole[], fill: Uint8Array): Image {
  const { width: w, channels: c } = img;
  const data = img.data.slice();
  for (const { x1, y1, x2, y2 } of holes) {
    for (let y = y1; y < y2; y++) {
      for (let at = (y * w + x1) * c, end = (y * w + x2) * c; at < end; at += c) {
        for (let k = 0; k < c; k++) data[at + k] = fill[k];
      }
    }
  }
  return { data, height: img.height, width: w, channels: c };
}
