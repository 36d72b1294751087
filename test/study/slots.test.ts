// How many jobs a study runs at once, and each one's workers: by cores, memory and trials.
import { describe, expect, it } from 'vitest';
import { chooseSlots } from '../../src/study/slots.js';

const GiB = 2 ** 30;

describe('chooseSlots', () => {
  it.each([
    // cores, memory, trials -> jobs, workers, loader threads
    [2, 24 * GiB, 4, 2, 1, 0],
    [2, 24 * GiB, 1, 1, 2, 1],
    [16, 24 * GiB, 40, 6, 2, 1],
    [16, 128 * GiB, 40, 16, 1, 0],
    [8, 2 * GiB, 10, 1, 8, 7],
    [64, 1024 * GiB, 3, 3, 21, 20],
  ])('%i cores, %d bytes, %i trials: %i jobs of %i workers, %i loader threads', (cores, memory, trials, jobs, workers, loaders) => {
    const s = chooseSlots({ cores, memory, trials, backend: 'wasm-onednn' });
    expect([s.jobs, s.workers, s.loaderWorkers]).toEqual([jobs, workers, loaders]);
    expect(s.why).toMatch(new RegExp(`^${cores} cores, memory for \\d+ jobs? of up to 4 GiB each, ${trials} trials?; ${workers} cores? each$`));
  });

  it('takes --jobs and --workers as given, and one job on a backend that uses every core itself', () => {
    expect(chooseSlots({ jobs: 3, workers: 2, cores: 4, memory: 64 * GiB, trials: 9, backend: 'wasm' })).toEqual({ jobs: 3, workers: 2, loaderWorkers: 0, why: '--jobs; --workers' });
    expect(chooseSlots({ cores: 16, memory: 64 * GiB, trials: 9, backend: 'tensorflow' })).toMatchObject({ jobs: 1, workers: 1, why: 'tensorflow uses every core itself' });
  });
});
