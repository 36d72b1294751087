// Example validation images for a run's per-class results, as PNG bytes made on request. The
// split is decoded from the data set itself, with no decode cache: the cache lives in the outputs
// folder and `pipe serve` writes nothing. Only images a stage's predictions.json lists are made.
import type { ResolvedPipeline, SplitName } from '../config/types.js';
import type { ImageSet } from '../data/load-split.js';
import { InputError } from '../errors.js';
import { thumbnailPng } from '../report/images.js';
import { readRunFolder } from '../report/run-folder.js';
import { NotServed } from './outputs.js';

/** Decoded splits kept in memory: a page shows the examples of one or two stages at a time. */
const KEPT_SPLITS = 2;

export class ExampleImages {
  private readonly sets = new Map<string, Promise<ImageSet>>();

  async png(runDir: string, runName: string, stage: string, item: number): Promise<Buffer> {
    const run = await readRunFolder(runDir, runName);
    const pred = run.stages.find((s) => s.name === stage)?.predictions;
    if (!pred) throw new NotServed(404, `run ${runName} has no predictions for a stage ${JSON.stringify(stage)}`);
    const at = pred.items.indexOf(item);
    if (at < 0) throw new NotServed(404, `image ${item} is not among the validation images stage ${stage} of run ${runName} classified`);
    let set: ImageSet;
    try {
      set = await this.split(run.pipeline, pred.split as SplitName);
    } catch (e) {
      if (e instanceof InputError) throw new NotServed(404, `the ${pred.split} split of run ${runName} could not be read (${e.message})`);
      throw e;
    }
    // The data set may have changed since the run: a different picture would mislabel the class.
    if (item >= set.count || (set.labels !== null && set.labels[item] !== pred.labels[at])) throw new NotServed(404, `image ${item} of the ${pred.split} split is not the one the run classified (the data set changed since)`);
    return thumbnailPng(set, item);
  }

  private split(pipeline: ResolvedPipeline, split: SplitName): Promise<ImageSet> {
    const key = `${split}\u0000${JSON.stringify(pipeline.dataset)}`;
    let set = this.sets.get(key);
    if (!set) {
      set = import('../data/load-split.js').then(({ loadSplit }) => loadSplit(pipeline.dataset, split, { cacheDir: null }));
      // A failed decode is not kept: the data may be back on the next request.
      set.catch(() => this.sets.delete(key));
      this.sets.set(key, set);
      while (this.sets.size > KEPT_SPLITS) this.sets.delete(this.sets.keys().next().value!);
    }
    return set;
  }
}
