// Builds a small Tiny-ImageNet-layout tree in a temp folder (see shared/seed/SPEC.md): a few
// classes whose 64x64 JPEGs show a distinct pattern each, one greyscale JPEG and, on request,
// one truncated JPEG. Nothing comes from the network.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export interface TinyImageNetOptions {
  readonly classes?: number;
  readonly trainPerClass?: number;
  readonly valPerClass?: number;
  readonly test?: number;
  /** Side of the square images. */
  readonly size?: number;
  /** Adds train/<last wnid>/images/<wnid>_bad.JPEG: the first half of a valid JPEG. */
  readonly truncated?: boolean;
}

export interface TinyImageNetTree {
  readonly root: string;
  /** Sorted, so wnids[c] is class c. */
  readonly wnids: readonly string[];
  /** words.txt's names for wnids[c]. */
  readonly names: readonly string[];
  /** The greyscale JPEG (train, class 0, first image). */
  readonly greyscale: string;
  readonly truncated: string | null;
  readonly trainPerClass: number;
  readonly valPerClass: number;
}

const PATTERNS = ['horizontal stripes', 'vertical stripes', 'checkerboard', 'disc', 'diagonal stripes', 'ring'];

export async function buildTinyImageNet(options: TinyImageNetOptions = {}): Promise<TinyImageNetTree> {
  const { classes = 3, trainPerClass = 4, valPerClass = 2, test = 2, size = 64, truncated = false } = options;
  const root = mkdtempSync(join(tmpdir(), 'pipe-tiny-imagenet-'));
  const wnids = Array.from({ length: classes }, (_, c) => `n0${1443537 + 1000 * c}`);
  const names = wnids.map((_, c) => `${PATTERNS[c % PATTERNS.length]} ${c}, pattern ${c}`);
  writeFileSync(join(root, 'wnids.txt'), [...wnids].reverse().join('\n') + '\n');
  // words.txt lists more wnids than the data set uses, as the real one does.
  const words = [...wnids.map((w, c) => `${w}\t${names[c]}`), 'n09999999\tunused entity'];
  writeFileSync(join(root, 'words.txt'), words.join('\n') + '\n');

  for (const [c, wnid] of wnids.entries()) {
    const dir = join(root, 'train', wnid, 'images');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, 'train', wnid, `${wnid}_boxes.txt`), '');
    for (let k = 0; k < trainPerClass; k++) {
      await writeJpeg(join(dir, `${wnid}_${k}.JPEG`), c, k, size, c === 0 && k === 0);
    }
  }
  const valDir = join(root, 'val', 'images');
  mkdirSync(valDir, { recursive: true });
  const annotations: string[] = [];
  for (let i = 0; i < classes * valPerClass; i++) {
    const c = i % classes;
    await writeJpeg(join(valDir, `val_${i}.JPEG`), c, 100 + i, size, false);
    annotations.push(`val_${i}.JPEG\t${wnids[c]}\t0\t0\t${size - 1}\t${size - 1}`);
  }
  writeFileSync(join(root, 'val', 'val_annotations.txt'), annotations.join('\n') + '\n');
  const testDir = join(root, 'test', 'images');
  mkdirSync(testDir, { recursive: true });
  for (let i = 0; i < test; i++) await writeJpeg(join(testDir, `test_${i}.JPEG`), i % classes, 200 + i, size, false);

  let truncatedPath: string | null = null;
  if (truncated) {
    const last = wnids[classes - 1];
    truncatedPath = join(root, 'train', last, 'images', `${last}_bad.JPEG`);
    const whole = await jpegBytes(classes - 1, 999, size, false);
    writeFileSync(truncatedPath, whole.subarray(0, whole.length >> 1));
  }
  return {
    root,
    wnids,
    names,
    greyscale: join(root, 'train', wnids[0], 'images', `${wnids[0]}_0.JPEG`),
    truncated: truncatedPath,
    trainPerClass,
    valPerClass,
  };
}

/** The pattern of class c, variant k, as RGB bytes (or one grey channel). */
export function patternPixels(c: number, k: number, size: number, grey: boolean): Uint8Array {
  const channels = grey ? 1 : 3;
  const out = new Uint8Array(size * size * channels);
  const colour = [(60 + 70 * c + 13 * k) % 256, (200 - 40 * c + 7 * k) % 256, (30 * k + 90) % 256];
  const period = 4 + (k % 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = patternAt(c % PATTERNS.length, x, y, period, size);
      for (let ch = 0; ch < channels; ch++) out[(y * size + x) * channels + ch] = on ? colour[ch] : 255 - colour[ch];
    }
  }
  return out;
}

function patternAt(p: number, x: number, y: number, period: number, size: number): boolean {
  const r = Math.hypot(x - size / 2, y - size / 2);
  switch (p) {
    case 0: return Math.floor(y / period) % 2 === 0;
    case 1: return Math.floor(x / period) % 2 === 0;
    case 2: return (Math.floor(x / period) + Math.floor(y / period)) % 2 === 0;
    case 3: return r < size / 3;
    case 4: return Math.floor((x + y) / period) % 2 === 0;
    default: return Math.abs(r - size / 3) < period;
  }
}

async function jpegBytes(c: number, k: number, size: number, grey: boolean): Promise<Buffer> {
  const channels = grey ? 1 : 3;
  const image = sharp(patternPixels(c, k, size, grey), { raw: { width: size, height: size, channels } });
  // toColourspace('b-w') keeps a one-channel JPEG (otherwise sharp writes it as sRGB).
  return (grey ? image.toColourspace('b-w') : image).jpeg({ quality: 90 }).toBuffer();
}

async function writeJpeg(path: string, c: number, k: number, size: number, grey: boolean): Promise<void> {
  writeFileSync(path, await jpegBytes(c, k, size, grey));
}
