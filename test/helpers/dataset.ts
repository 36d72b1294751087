// A resolved `dataset:` section for tests, with the contract's defaults filled.
import type { ResolvedDataset } from '../../src/data/spec.js';

/** The schema's default `dataset.idx`: Debian's Fashion-MNIST (and MNIST's) file names. */
export const IDX_DEFAULTS: ResolvedDataset['idx'] = {
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
};

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
