// Tiny ImageNet-200 as distributed (see shared/seed/SPEC.md):
//   wnids.txt                      the class ids, one per line
//   words.txt                      wnid<TAB>human names, for many more wnids than the classes
//   train/<wnid>/images/*.JPEG     labelled by folder
//   val/images/*.JPEG              labelled by val/val_annotations.txt: file<TAB>wnid<TAB>box...
//   test/images/*.JPEG             no labels
// Class ids follow the sorted wnids, as torchvision's ImageFolder numbers train/'s folders.
import { isAbsolute, join } from 'node:path';
import { InputError } from '../../errors.js';
import type { ResolvedDataset, SplitName } from '../spec.js';
import {
  byCodePoint,
  classNamesFor,
  listImageFiles,
  readLines,
  requireDirectory,
  unknownSplit,
  type DatasetReader,
  type SplitListing,
} from './reader.js';

const HINT = 'dataset.root should be the tiny-imagenet-200 folder';

export const tinyImageNetReader: DatasetReader = {
  format: 'tiny-imagenet',
  splits: ['train', 'val', 'test'],
  async list(dataset: ResolvedDataset, split: SplitName): Promise<SplitListing> {
    const root = dataset.root;
    requireDirectory(root, HINT);
    const wnids = readWnids(join(root, 'wnids.txt'));
    const classNames = classNamesFor(dataset, readWords(join(root, 'words.txt'), wnids));
    const classOf = new Map(wnids.map((w, i) => [w, i]));
    switch (split) {
      case 'train':
        return { classNames, ...listTrain(root, wnids) };
      case 'val':
        return { classNames, ...listVal(root, classOf) };
      case 'test': {
        const dir = join(root, 'test', 'images');
        requireDirectory(dir, HINT);
        return { classNames, labels: null, images: { kind: 'files', files: listImageFiles(dir) } };
      }
      default:
        throw unknownSplit(tinyImageNetReader, split, root);
    }
  },
};

/** The sorted class ids; a repeated one is an error at its line, and so is one that is not a
 *  plain folder name (it names train/<wnid>/: `..` or a `/` would lead out of the data set). */
function readWnids(path: string): string[] {
  const seen = new Map<string, number>();
  readLines(path, HINT).forEach((raw, i) => {
    const wnid = raw.trim();
    if (wnid === '') return;
    if (/[\\/]/.test(wnid) || wnid === '.' || wnid === '..') {
      throw new InputError([{ location: { file: path, line: i + 1, col: 1 }, message: `'${wnid}' is not a class id (it would name a folder outside train/)`, hint: 'a class id is a folder name, e.g. n01443537' }]);
    }
    if (seen.has(wnid)) {
      throw new InputError([{ location: { file: path, line: i + 1, col: 1 }, message: `'${wnid}' repeats line ${seen.get(wnid)}` }]);
    }
    seen.set(wnid, i + 1);
  });
  if (seen.size === 0) throw new InputError([{ location: { file: path, line: 1, col: 1 }, message: 'no class ids' }]);
  return [...seen.keys()].sort(byCodePoint);
}

/** The human names of `wnids` from words.txt (which lists many more wnids). */
function readWords(path: string, wnids: readonly string[]): string[] {
  const names = new Map<string, string>();
  for (const line of readLines(path, HINT)) {
    const tab = line.indexOf('\t');
    if (tab > 0) names.set(line.slice(0, tab).trim(), line.slice(tab + 1).trim());
  }
  const missing = wnids.filter((w) => !names.has(w));
  if (missing.length > 0) {
    throw new InputError([{ message: `${path}: no name for ${missing.length} class id(s): ${missing.slice(0, 5).join(', ')}`, hint: 'each line is wnid<TAB>names' }]);
  }
  return wnids.map((w) => names.get(w) as string);
}

function listTrain(root: string, wnids: readonly string[]): Pick<SplitListing, 'labels' | 'images'> {
  const files: string[] = [];
  const labels: number[] = [];
  wnids.forEach((wnid, c) => {
    const dir = join(root, 'train', wnid, 'images');
    requireDirectory(dir, `every class in wnids.txt needs train/${wnid}/images`);
    for (const file of listImageFiles(dir)) {
      files.push(file);
      labels.push(c);
    }
  });
  return { labels: Int32Array.from(labels), images: { kind: 'files', files } };
}

/** val/images in the order of val_annotations.txt, labelled by its second column. A file named
 *  twice counts once; twice with different classes is an error naming both lines. File names
 *  stay inside val/images: no absolute path, no `..` (a symbolic link inside is followed). */
function listVal(root: string, classOf: ReadonlyMap<string, number>): Pick<SplitListing, 'labels' | 'images'> {
  const annotations = join(root, 'val', 'val_annotations.txt');
  const dir = join(root, 'val', 'images');
  requireDirectory(dir, HINT);
  const files: string[] = [];
  const labels: number[] = [];
  const seen = new Map<string, { line: number; wnid: string }>();
  readLines(annotations, HINT).forEach((line, i) => {
    if (line.trim() === '') return;
    const [raw, rawWnid] = line.split('\t');
    const at = (col: number) => ({ file: annotations, line: i + 1, col });
    if (rawWnid === undefined || raw.trim() === '') {
      throw new InputError([{ location: at(1), message: 'expected file<TAB>wnid<TAB>x0<TAB>y0<TAB>x1<TAB>y1' }]);
    }
    const file = raw.trim();
    const wnid = rawWnid.trim();
    if (isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
      throw new InputError([{ location: at(1), message: `'${file}' leaves val/images`, hint: 'name a file inside val/images, relative to it, without ..' }]);
    }
    const c = classOf.get(wnid);
    if (c === undefined) {
      throw new InputError([{ location: at(raw.length + 2), message: `class id '${wnid}' is not in wnids.txt` }]);
    }
    const before = seen.get(file);
    if (before) {
      if (before.wnid === wnid) return;
      throw new InputError([{ location: at(raw.length + 2), message: `'${file}' is labelled '${wnid}' here and '${before.wnid}' on line ${before.line}`, hint: 'each image has one class' }]);
    }
    seen.set(file, { line: i + 1, wnid });
    files.push(join(dir, file));
    labels.push(c);
  });
  return { labels: Int32Array.from(labels), images: { kind: 'files', files } };
}
