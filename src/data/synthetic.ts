// A small real data set the project can make without the network: shapes (disc, square,
// triangle, ring, cross, bars) at random positions, sizes and colours on noisy backgrounds,
// written as a Tiny-ImageNet-layout tree of JPEGs. Telling them apart needs real learning
// (position, colour and size carry no information), and the seed fixes every image.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../random.js';

export const SHAPES = ['disc', 'square', 'triangle', 'ring', 'cross', 'bars'] as const;

export interface ShapesOptions {
  readonly root: string;
  readonly classes: number;
  readonly trainPerClass: number;
  readonly valPerClass: number;
  readonly size: number;
  readonly seed: number;
}

/** Whether pixel (x, y) of a w x w image lies inside the shape (centre cx, cy, radius r). */
function inside(shape: (typeof SHAPES)[number], x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x - cx;
  const dy = y - cy;
  switch (shape) {
    case 'disc':
      return dx * dx + dy * dy <= r * r;
    case 'square':
      return Math.abs(dx) <= r * 0.8 && Math.abs(dy) <= r * 0.8;
    case 'triangle':
      return dy <= r * 0.8 && dy >= -r && Math.abs(dx) <= ((dy + r) / 1.8) * 1.0;
    case 'ring': {
      const d = Math.sqrt(dx * dx + dy * dy);
      return d <= r && d >= r * 0.55;
    }
    case 'cross':
      return (Math.abs(dx) <= r * 0.3 && Math.abs(dy) <= r) || (Math.abs(dy) <= r * 0.3 && Math.abs(dx) <= r);
    case 'bars':
      return Math.abs(dx) <= r && Math.abs(dy) <= r && Math.floor((dy + r) / (r / 2.5)) % 2 === 0;
  }
}

/** One RGB image, HWC uint8. */
export function renderShape(shape: (typeof SHAPES)[number], size: number, rng: Rng): Uint8Array {
  const img = new Uint8Array(size * size * 3);
  const bg = [rng.int(256), rng.int(256), rng.int(256)];
  // A foreground far enough from the background to be visible, otherwise random.
  let fg = [rng.int(256), rng.int(256), rng.int(256)];
  while (Math.abs(fg[0] - bg[0]) + Math.abs(fg[1] - bg[1]) + Math.abs(fg[2] - bg[2]) < 180) fg = [rng.int(256), rng.int(256), rng.int(256)];
  const r = size * rng.uniform(0.2, 0.38);
  const cx = rng.uniform(r, size - r);
  const cy = rng.uniform(r, size - r);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = inside(shape, x + 0.5, y + 0.5, cx, cy, r);
      for (let c = 0; c < 3; c++) {
        const v = (on ? fg[c] : bg[c]) + rng.normal() * 18;
        img[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return img;
}

export async function writeShapesDataset(o: ShapesOptions, onProgress?: (done: number, total: number) => void): Promise<{ wnids: string[]; images: number }> {
  if (o.classes < 2 || o.classes > SHAPES.length) throw new Error(`classes must be 2..${SHAPES.length}`);
  const { default: sharp } = await import('sharp');
  const wnids = Array.from({ length: o.classes }, (_, c) => `n9${String(c).padStart(7, '0')}`);
  mkdirSync(join(o.root, 'val', 'images'), { recursive: true });
  writeFileSync(join(o.root, 'wnids.txt'), wnids.join('\n') + '\n');
  writeFileSync(join(o.root, 'words.txt'), wnids.map((w, c) => `${w}\t${SHAPES[c]}`).join('\n') + '\n');
  const total = o.classes * (o.trainPerClass + o.valPerClass);
  let done = 0;
  const jpeg = (pixels: Uint8Array, path: string) => sharp(pixels, { raw: { width: o.size, height: o.size, channels: 3 } }).jpeg({ quality: 92 }).toFile(path);
  const annotations: string[] = [];
  for (const [c, wnid] of wnids.entries()) {
    const dir = join(o.root, 'train', wnid, 'images');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(o.root, 'train', wnid, `${wnid}_boxes.txt`), '');
    const rng = Rng.from(o.seed, `shapes/train/${c}`);
    for (let k = 0; k < o.trainPerClass; k++) {
      await jpeg(renderShape(SHAPES[c], o.size, rng), join(dir, `${wnid}_${k}.JPEG`));
      onProgress?.(++done, total);
    }
    const vrng = Rng.from(o.seed, `shapes/val/${c}`);
    for (let k = 0; k < o.valPerClass; k++) {
      const file = `val_${c * o.valPerClass + k}.JPEG`;
      await jpeg(renderShape(SHAPES[c], o.size, vrng), join(o.root, 'val', 'images', file));
      annotations.push(`${file}\t${wnid}\t0\t0\t${o.size - 1}\t${o.size - 1}`);
      onProgress?.(++done, total);
    }
  }
  writeFileSync(join(o.root, 'val', 'val_annotations.txt'), annotations.join('\n') + '\n');
  return { wnids, images: total };
}
