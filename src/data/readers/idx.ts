// MNIST-style IDX files (optionally gzipped), as Debian's dataset-fashion-mnist installs them in
// /usr/share/datasets/fashion-mnist. Layout: 2 zero bytes, a type byte (0x08 = uint8), a byte
// with the number of dimensions d, d big-endian uint32 sizes, then the values in row-major order.
// Images are (N, H, W) or (N, H, W, C); labels are (N).
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { inputError } from '../../errors.js';
import type { IdxFiles, ResolvedDataset, SplitName } from '../spec.js';
import { unknownSplit, type DatasetReader, type PackedArray, type SplitListing } from './reader.js';

const UBYTE = 0x08;

export const idxReader: DatasetReader = {
  format: 'idx',
  // Any split `dataset.idx` names; the schema's default names train and test.
  splits: ['train', 'val', 'test'],
  async list(dataset: ResolvedDataset, split: SplitName): Promise<SplitListing> {
    const files: IdxFiles | undefined = dataset.idx[split];
    if (files === undefined) throw unknownSplit(idxReader, split, dataset.root, Object.keys(dataset.idx));
    const imagesPath = resolveIn(dataset.root, files.images);
    const labelsPath = files.labels === null ? null : resolveIn(dataset.root, files.labels);
    const labels = labelsPath === null ? null : readIdxLabels(labelsPath);
    const classCount = labels === null ? 0 : labels.reduce((m, c) => Math.max(m, c + 1), 0);
    const classNames = idxClassNames(dataset, classCount, `dataset.idx.${split}.labels`);
    return {
      classNames,
      labels,
      images: {
        kind: 'packed',
        files: labelsPath === null ? [imagesPath] : [imagesPath, labelsPath],
        read: async () => {
          const images = readIdxImages(imagesPath);
          if (labels !== null && labels.length !== images.count) {
            throw inputError(`${labelsPath}: ${labels.length} labels for ${images.count} images in ${imagesPath}`);
          }
          return images;
        },
      },
    };
  },
};

/** IDX files carry no names: '0', '1', ... unless the pipeline names the classes. */
function idxClassNames(dataset: ResolvedDataset, classCount: number, where: string): readonly string[] {
  const names = dataset.class_names;
  if (names === null) return Array.from({ length: classCount }, (_, i) => String(i));
  if (names.length < classCount) {
    throw inputError(`lists ${names.length} names but ${where} has labels up to ${classCount - 1}`, { path: 'dataset.class_names' });
  }
  return names;
}

function resolveIn(root: string, file: string): string {
  return isAbsolute(file) ? file : join(root, file);
}

export function readIdxImages(path: string): PackedArray {
  const { dims, data } = readIdx(path);
  const [count, height, width, channels = 1] = dims;
  if ((dims.length !== 3 && dims.length !== 4) || (channels !== 1 && channels !== 3)) {
    throw inputError(`${path}: expected images of shape (N, H, W) or (N, H, W, 1|3), found (${dims.join(', ')})`);
  }
  return { data, count, height, width, channels };
}

export function readIdxLabels(path: string): Int32Array {
  const { dims, data } = readIdx(path);
  if (dims.length !== 1) throw inputError(`${path}: expected labels of shape (N), found (${dims.join(', ')})`);
  return Int32Array.from(data);
}

/** The dimensions and uint8 values of one IDX file; any mismatch is bad input naming the file. */
export function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw inputError(`${path}: cannot read IDX file (${code ?? (e as Error).message})`, {
      hint: code === 'ENOENT' ? 'for Fashion-MNIST: apt-get install dataset-fashion-mnist' : undefined,
    });
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw inputError(`${path}: not an IDX file (bad magic number)`);
  if (bytes[2] !== UBYTE) throw inputError(`${path}: IDX value type 0x${bytes[2].toString(16)} is not uint8 (0x08)`);
  const d = bytes[3];
  const header = 4 + 4 * d;
  if (d === 0 || bytes.length < header) throw inputError(`${path}: IDX header is cut short (${d} dimensions)`);
  const dims = Array.from({ length: d }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - header !== expected) {
    throw inputError(`${path}: IDX shape (${dims.join(', ')}) needs ${expected} bytes of data, found ${bytes.length - header}`);
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, expected) };
}
