// A resolved `dataset:` section for tests, with the contract's defaults filled.
import { IDX_DEFAULTS, type ResolvedDataset } from '../../src/data/spec.js';

export function resolvedDataset(fields: Pick<ResolvedDataset, 'format' | 'root'> & Partial<ResolvedDataset>): ResolvedDataset {
  return {
    channels: 3,
    image_size: null,
    resize: false,
    on_bad_image: 'error',
    idx: IDX_DEFAULTS,
    class_names: null,
    ...fields,
  };
}
