// Test images and small utilities shared by the augmentation tests.
import { Rng } from '../../../src/data/random.js';
import type { Image } from '../../../src/data/augment/image.js';

/** An image with gradients, stripes and noise: every transform changes it visibly. */
export function testImage(height: number, width: number, channels: number, seed = 1): Image {
  const rng = Rng.from(seed, 'test-image');
  const data = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const base = c === 0 ? (255 * x) / width : c === 1 ? (255 * y) / height : (x + 2 * y) % 7 < 3 ? 220 : 30;
        data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(base) + rng.int(31) - 15));
      }
    }
  }
  return { data, height, width, channels };
}

/** A copy of rng in its current state: replays exactly the draws rng is about to make. */
export function replay(rng: Rng): Rng {
  return new Rng(rng.state());
}

export function sameImage(a: Image, b: Image): boolean {
  return a.height === b.height && a.width === b.width && a.channels === b.channels && Buffer.from(a.data).equals(Buffer.from(b.data));
}
