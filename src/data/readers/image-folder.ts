// A folder of class folders, as torchvision's ImageFolder reads it:
//   root/<split>/<class>/*.{jpg,jpeg,png}   when any of train/, val/, test/ exists
//   root/<class>/*.{jpg,jpeg,png}           otherwise: the whole folder is the train split
// A split folder holding images directly (no class folders) is unlabelled. Class ids follow the
// sorted class folders of train (or of the split itself when there is no train folder).
import { join, relative } from 'node:path';
import { inputError } from '../../errors.js';
import { SPLIT_NAMES, type ResolvedDataset, type SplitName } from '../spec.js';
import {
  classNamesFor,
  isDirectory,
  listImageFiles,
  listSubfolders,
  requireDirectory,
  unknownSplit,
  type DatasetReader,
  type SplitListing,
} from './reader.js';

export const imageFolderReader: DatasetReader = {
  format: 'image-folder',
  splits: SPLIT_NAMES,
  async list(dataset: ResolvedDataset, split: SplitName): Promise<SplitListing> {
    const root = dataset.root;
    requireDirectory(root);
    const hasSplits = SPLIT_NAMES.some((s) => isDirectory(join(root, s)));
    if (!hasSplits && split !== 'train') {
      throw inputError(`${root} has no split folders, so it holds only a 'train' split (no '${split}')`, {
        hint: `put the images in ${split}/<class>/ beside train/<class>/`,
      });
    }
    const dir = hasSplits ? join(root, split) : root;
    if (!isDirectory(dir)) throw unknownSplit(imageFolderReader, split, root);
    const classDir = hasSplits && isDirectory(join(root, 'train')) ? join(root, 'train') : dir;
    const found = listSubfolders(classDir);
    const classNames = classNamesFor(dataset, found);
    const folders = listSubfolders(dir);
    if (folders.length === 0) {
      return { classNames, labels: null, images: { kind: 'files', files: nonEmpty(listImageFiles(dir), dir) } };
    }
    const classOf = new Map(found.map((name, i) => [name, i]));
    const files: string[] = [];
    const labels: number[] = [];
    for (const folder of folders) {
      const c = classOf.get(folder);
      if (c === undefined) {
        throw inputError(`${join(dir, folder)}: class '${folder}' is not a class of ${relative(root, classDir) || '.'}`, {
          hint: `classes: ${found.slice(0, 8).join(', ')}${found.length > 8 ? ', ...' : ''}`,
        });
      }
      for (const file of listImageFiles(join(dir, folder))) {
        files.push(file);
        labels.push(c);
      }
    }
    return { classNames, labels: Int32Array.from(labels), images: { kind: 'files', files: nonEmpty(files, dir) } };
  },
};

function nonEmpty(files: string[], dir: string): string[] {
  if (files.length === 0) throw inputError(`${dir}: no .jpg, .jpeg or .png images`);
  return files;
}
