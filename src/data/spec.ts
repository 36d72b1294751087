// The resolved (defaults filled, readonly) shapes of a pipeline's `dataset:` section and of a
// stage's `train:` / `val:` data selections. Only the resolver builds these; everything in
// src/data takes them as given and never re-reads the YAML.
import type { ResolvedAugmentStep } from './augment-contract.js';

export type { ResolvedAugmentStep };

export type DatasetFormat = 'tiny-imagenet' | 'image-folder' | 'idx';
export const DATASET_FORMATS: readonly DatasetFormat[] = ['tiny-imagenet', 'image-folder', 'idx'];

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

/** What to do with a file that does not decode (truncated, not an image). */
export type OnBadImage = 'error' | 'skip';

/** One IDX split: the images file and its labels file, both relative to `root` or absolute. */
export interface IdxFiles {
  readonly images: string;
  /** null: the split has no labels file (loaded unlabelled). */
  readonly labels: string | null;
}

/** `dataset:` after resolution. */
export interface ResolvedDataset {
  readonly format: DatasetFormat;
  /** Absolute path (the resolver joins a relative one onto the pipeline file's folder). */
  readonly root: string;
  /** 1: colour becomes PIL's 'L' luma; 3: greyscale is replicated to three channels. */
  readonly channels: 1 | 3;
  /** [height, width] every image must have; null: the first image's size. */
  readonly image_size: readonly [number, number] | null;
  /** true: other sizes are resized (bilinear) to image_size; false: they are an error. */
  readonly resize: boolean;
  readonly on_bad_image: OnBadImage;
  /** Only read by `format: idx`; the defaults are Debian's Fashion-MNIST names (IDX_DEFAULTS). */
  readonly idx: { readonly train: IdxFiles; readonly test: IdxFiles };
  /** Overrides the class names the format provides (idx provides none: '0', '1', ...). */
  readonly class_names: readonly string[] | null;
}

/** The file names Debian's dataset-fashion-mnist (and the MNIST distribution) use. */
export const IDX_DEFAULTS: ResolvedDataset['idx'] = {
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
};

/** One source of a stage's data: a subset of one split, optionally augmented. */
export interface ResolvedDataSource {
  readonly split: SplitName;
  /** 0 < fraction <= 1; 1 keeps the whole split. */
  readonly fraction: number;
  /** With fraction < 1: take round(fraction * n_c) of every class c instead of of the whole. */
  readonly stratified: boolean;
  /** Exactly this many of every class (instead of fraction); null: not used. */
  readonly per_class: number | null;
  /** Cap applied after the selection above (a seeded sample), for quick runs; null: no cap. */
  readonly max_images: number | null;
  /** true: labels are dropped (pretraining on images alone). */
  readonly unlabelled: boolean;
  /** The chain's resolved steps (not its name); null: no augmentation. */
  readonly augment: readonly ResolvedAugmentStep[] | null;
  /** The pipeline seed unless the source sets its own. */
  readonly seed: number;
}

/** Several sources, one after the other (e.g. originals plus an augmented copy of each). */
export interface ResolvedDataConcat {
  readonly concat: readonly ResolvedDataSource[];
}

export type ResolvedDataSelection = ResolvedDataSource | ResolvedDataConcat;

/** The sources of a selection, in order: one for a plain source, each part of a concat. */
export function selectionSources(selection: ResolvedDataSelection): readonly ResolvedDataSource[] {
  return 'concat' in selection ? selection.concat : [selection];
}

/** A source with every default filled, for callers (and tests) that state only a few fields. */
export function dataSource(fields: Pick<ResolvedDataSource, 'split'> & Partial<ResolvedDataSource>): ResolvedDataSource {
  return {
    fraction: 1,
    stratified: false,
    per_class: null,
    max_images: null,
    unlabelled: false,
    augment: null,
    seed: 0,
    ...fields,
  };
}
