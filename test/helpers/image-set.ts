// An in-memory decoded split for loader tests: image i's first byte is i (mod 256), so a batch
// shows which images it holds; labels are i mod classes.
import type { ImageSet } from '../../src/data/load-split.js';

export function syntheticImageSet(count: number, options: { size?: number; channels?: 1 | 3; classes?: number } = {}): ImageSet {
  const { size = 8, channels = 3, classes = 4 } = options;
  const frame = size * size * channels;
  const images = new Uint8Array(new SharedArrayBuffer(count * frame));
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < frame; k++) images[i * frame + k] = (i * 7 + k * 3) % 256;
    images[i * frame] = i % 256;
  }
  return {
    split: 'train',
    images,
    count,
    height: size,
    width: size,
    channels,
    labels: Int32Array.from({ length: count }, (_, i) => i % classes),
    classNames: Array.from({ length: classes }, (_, c) => `class ${c}`),
    files: null,
    skipped: [],
    fromCache: false,
  };
}
