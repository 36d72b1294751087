// The resolved `dataset:` section and data selections come from the config phase (one
// definition, in src/config/types.ts); this module names what src/data uses from it and adds
// the small helpers every data module shares.
import type { AugmentStep, ResolvedDataSelection, ResolvedDataSource, SplitName } from '../config/types.js';

export type {
  AugmentStep,
  DatasetFormat,
  IdxFiles,
  OnBadImage,
  ResolvedDataset,
  ResolvedDataSelection,
  ResolvedDataSource,
  SplitName,
} from '../config/types.js';

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

/** A chain as the loader gets it: its name (for messages) and its resolved steps. */
export interface NamedChain {
  readonly name: string;
  readonly steps: readonly AugmentStep[];
}

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
