// The readers, keyed by `dataset.format`: a plain list, so every format is visible here.
import { inputError } from '../../errors.js';
import type { DatasetFormat } from '../spec.js';
import { idxReader } from './idx.js';
import { imageFolderReader } from './image-folder.js';
import type { DatasetReader } from './reader.js';
import { tinyImageNetReader } from './tiny-imagenet.js';

export const readers: readonly DatasetReader[] = [tinyImageNetReader, imageFolderReader, idxReader];

export function readerFor(format: DatasetFormat | string): DatasetReader {
  const reader = readers.find((r) => r.format === format);
  if (!reader) {
    throw inputError(`unknown format '${format}' (known: ${readers.map((r) => r.format).join(', ')})`, { path: 'dataset.format' });
  }
  return reader;
}
