// The batches a stage trains and evaluates on: its splits decoded (once per run, shared by the
// stages), its selections drawn, its loaders opened.
import type { ResolvedPipeline, ResolvedStage, SplitName } from '../config/types.js';
import { BatchLoader } from '../data/loader.js';
import { loadSplits, splitSummary, type ImageSet } from '../data/load-split.js';
import { namedChain, selectData } from '../data/select.js';
import { selectionSources, type ResolvedDataSelection } from '../data/spec.js';

export interface StageData {
  readonly train: BatchLoader | null;
  readonly val: BatchLoader | null;
  /** The validation items in evaluation order, when they are labelled images of one split. */
  readonly valItems: { readonly split: SplitName; readonly items: readonly number[]; readonly classNames: readonly string[] } | null;
  close(): Promise<void>;
}

export interface DataOptions {
  /** Decoded-split cache folder (outputs/cache/data). */
  readonly cacheDir: string | null;
  /** The stat cache of the data files' hashes (outputs/cache/hashes); absent: none. */
  readonly hashDir?: string | null;
  /** Loader worker threads (0: on the training thread). */
  readonly workers: number;
  /** Splits decoded earlier in this run. */
  readonly splits: Map<SplitName, ImageSet>;
  readonly onDecode?: (split: SplitName, done: number, total: number, skipped: number) => void;
}

export async function openStageData(p: ResolvedPipeline, name: string, stage: ResolvedStage, opts: DataOptions): Promise<StageData> {
  const selections = [stage.train, stage.val].filter((s): s is ResolvedDataSelection => s !== undefined);
  const needed = [...new Set(selections.flatMap((s) => selectionSources(s).map((src) => src.split)))].filter((s) => !opts.splits.has(s));
  for (const split of needed) {
    const sets = await loadSplits(p.dataset, [split], { cacheDir: opts.cacheDir, hashDir: opts.hashDir, onProgress: (done, total, skipped) => opts.onDecode?.(split, done, total, skipped) });
    opts.splits.set(split, sets[split]!);
  }
  const splits = Object.fromEntries(opts.splits);
  let valItems: StageData['valItems'] = null;
  const open = async (sel: ResolvedDataSelection | undefined, part: 'train' | 'val'): Promise<BatchLoader | null> => {
    if (!sel) return null;
    const where = `stages.${name}.${part}`;
    const parts = selectData(sel, (s) => splitSummary(opts.splits.get(s)!), where, p.augment);
    const split = parts[0]?.split;
    if (part === 'val' && split && parts.every((q) => q.split === split && q.labelled)) {
      valItems = { split, items: parts.flatMap((q) => [...q.indices]), classNames: opts.splits.get(split)!.classNames };
    }
    const training = part === 'train';
    return BatchLoader.open({
      parts,
      splits,
      batchSize: stage.batch_size,
      seed: p.seed,
      shuffle: training,
      dropLast: false,
      targets: stage.kind === 'reconstruct' ? 'images' : 'labels',
      corrupt: training && stage.corrupt ? namedChain(stage.corrupt, p.augment, `stages.${name}.corrupt`) : null,
      workers: opts.workers,
      where,
    });
  };
  const train = stage.kind === 'evaluate' ? null : await open(stage.train, 'train');
  const val = await open(stage.val, 'val');
  return {
    train,
    val,
    valItems,
    async close() {
      await Promise.all([train?.close(), val?.close()]);
    },
  };
}
