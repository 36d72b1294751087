// The contract every data-set format fulfils: list one split's images and labels, without
// decoding anything. Decoding and caching (decode.ts, cache.ts) are the same for every format.
import { readdirSync, readFileSync, readlinkSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../../errors.js';
import type { DatasetFormat, ResolvedDataset, SplitName } from '../spec.js';

/** One image file per item, decoded by sharp. */
export interface ImageFiles {
  readonly kind: 'files';
  readonly files: readonly string[];
}

/** Items stored as one uint8 array (IDX): `files` are what the array is read from. */
export interface PackedImages {
  readonly kind: 'packed';
  readonly files: readonly string[];
  read(): Promise<PackedArray>;
}

/** count x height x width x channels uint8 pixels. */
export interface PackedArray {
  readonly data: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
}

export interface SplitListing {
  /** Every class of the data set, index = class id (not only the classes this split holds). */
  readonly classNames: readonly string[];
  /** Class id of each item; null: the split has no labels (e.g. Tiny ImageNet's test). */
  readonly labels: Int32Array | null;
  readonly images: ImageFiles | PackedImages;
}

export interface DatasetReader {
  readonly format: DatasetFormat;
  /** The splits the format can have, for the error an unknown one gets. */
  readonly splits: readonly SplitName[];
  list(dataset: ResolvedDataset, split: SplitName): Promise<SplitListing>;
}

const IMAGE_EXTENSIONS = /\.(jpe?g|png)$/i;

/** The image files directly inside `dir`, sorted by name (as ImageFolder sorts them). Symbolic
 *  links are followed, as torchvision follows them: a link to an image is an image. */
export function listImageFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => IMAGE_EXTENSIONS.test(e.name) && leadsTo(dir, e) === 'file')
    .map((e) => e.name)
    .sort(byCodePoint)
    .map((name) => join(dir, name));
}

/** The sub-folders of `dir` (links to folders included), sorted by name. */
export function listSubfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => leadsTo(dir, e) === 'folder')
    .map((e) => e.name)
    .sort(byCodePoint);
}

/** What an entry of `dir` is once symbolic links are followed. A link that leads nowhere (its
 *  target is gone) or to itself (a loop) is bad input naming the link and its target. */
function leadsTo(dir: string, e: Dirent): 'file' | 'folder' | 'other' {
  if (e.isFile()) return 'file';
  if (e.isDirectory()) return 'folder';
  if (!e.isSymbolicLink()) return 'other';
  const path = join(dir, e.name);
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const target = readlinkSync(path);
    if (code === 'ELOOP') throw inputError(`${path}: symbolic link to ${target} is a loop (it leads back to itself)`, { hint: 'remove the link, or point it at an image or a folder' });
    if (code === 'ENOENT' || code === 'ENOTDIR') throw inputError(`${path}: symbolic link to ${target} leads nowhere (its target is missing)`, { hint: 'remove the link, or point it at an image or a folder' });
    throw inputError(`${path}: cannot follow symbolic link to ${target} (${code ?? String(err)})`);
  }
}

/** Plain code-point order (not locale order), so class ids never depend on the machine's locale. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch (err) {
    // ELOOP (a link loop), EACCES, ENOTDIR...: bad input naming the path, never a stack trace.
    const code = (err as NodeJS.ErrnoException).code;
    throw inputError(`${path}: cannot be read as a folder (${code === 'ELOOP' ? 'a symbolic link loop' : (code ?? String(err))})`);
  }
}

/** A folder the format requires; its absence is bad input naming the folder. */
export function requireDirectory(path: string, hint?: string): void {
  if (!isDirectory(path)) throw inputError(`${path}: folder not found`, { hint });
}

/** A text file's lines (CRLF tolerated), or bad input naming the file if it cannot be read. */
export function readLines(path: string, hint?: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw inputError(`${path}: cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { hint });
  }
  return text.split(/\r?\n/);
}

/** The data set's class names, or the pipeline's `dataset.class_names` when it sets them. */
export function classNamesFor(dataset: ResolvedDataset, found: readonly string[]): readonly string[] {
  const names = dataset.class_names;
  if (names === null) return found;
  if (names.length !== found.length) {
    throw inputError(`lists ${names.length} names but the data set has ${found.length} classes`, {
      path: 'dataset.class_names',
      hint: `${dataset.root} (${dataset.format})`,
    });
  }
  return names;
}

/** The error for a split the data set does not have. */
export function unknownSplit(reader: DatasetReader, split: string, where: string, splits: readonly string[] = reader.splits): Error {
  return inputError(`${where} has no '${split}' split (${reader.format === 'idx' ? 'dataset.idx names' : `format ${reader.format} has`}: ${splits.join(', ')})`);
}
