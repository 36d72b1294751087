// Reads a run folder that `pipe run` wrote (src/train/run.ts): the resolved pipeline it ran, the
// epochs of metrics.jsonl, and per stage its result and, for classifiers, its predictions on the
// validation data. Nothing is re-validated: a run records what the engine of its day accepted.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadYamlFile } from '../config/load.js';
import type { ResolvedPipeline } from '../config/types.js';
import { InputError } from '../errors.js';
import type { EpochRecord, StageResult } from '../train/loop.js';
import type { SummaryRow } from '../train/summary.js';

/** `<stage>/predictions.json`: the final model's class for each validation image. */
export interface StagePredictions {
  /** The split whose decoded images `items` index. */
  readonly split: string;
  readonly classNames: readonly string[];
  readonly items: readonly number[];
  readonly labels: readonly number[];
  readonly predicted: readonly number[];
}

export interface RunStage {
  readonly name: string;
  /** null: the stage did not finish (the run was stopped or failed in it). */
  readonly result: StageResult | null;
  readonly predictions: StagePredictions | null;
}

export interface RunFolder {
  readonly dir: string;
  /** The folder's name, e.g. `task2_ae-20261130-011025`: how tables and legends name the run. */
  readonly label: string;
  readonly pipeline: ResolvedPipeline;
  readonly started: string | null;
  readonly backend: string | null;
  /** Every epoch record, in the order written; one per (stage, epoch). */
  readonly epochs: readonly EpochRecord[];
  readonly summary: readonly SummaryRow[] | null;
  readonly stages: readonly RunStage[];
}

export async function readRunFolder(dir: string, shownAs: string = dir): Promise<RunFolder> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError([{ message: `${shownAs}: no such run folder`, hint: 'pipe run writes them under outputs/runs/' }]);
  const yamlFile = join(dir, 'pipeline.yaml');
  if (!existsSync(yamlFile)) throw new InputError([{ message: `${shownAs} is not a run folder of pipe run (no pipeline.yaml)`, hint: 'pipe run writes them under outputs/runs/' }]);
  const pipeline = (await loadYamlFile(yamlFile, yamlFile)).value as ResolvedPipeline;
  const run = readJson<{ started?: string; backend?: { kind?: string } }>(dir, 'run.json', shownAs);
  const epochs = readEpochs(join(dir, 'metrics.jsonl'), shownAs);
  const summary = readJson<SummaryRow[]>(dir, 'summary.json', shownAs);
  const stages = Object.keys(pipeline.stages ?? {}).map((name) => ({
    name,
    result: readJson<StageResult>(dir, `${name}/result.json`, shownAs),
    predictions: readPredictions(dir, `${name}/predictions.json`, shownAs),
  }));
  return { dir, label: basename(dir), pipeline, started: run?.started ?? null, backend: run?.backend?.kind ?? null, epochs, summary, stages };
}

/** What one stage left in a folder of its own (a stage store entry: its metrics.jsonl holds that stage only). */
export interface StageFiles {
  readonly result: StageResult | null;
  readonly predictions: StagePredictions | null;
  readonly epochs: readonly EpochRecord[];
}

export function readStageFiles(dir: string, shownAs: string): StageFiles {
  const epochs = readEpochs(join(dir, 'metrics.jsonl'), shownAs);
  return { result: readJson<StageResult>(dir, 'result.json', shownAs), predictions: readPredictions(dir, 'predictions.json', shownAs), epochs: lastOfEach(epochs) };
}

/** The epochs of one stage, in order; a resumed run that wrote an epoch twice keeps the last. */
export function stageEpochs(run: RunFolder, stage: string): EpochRecord[] {
  return lastOfEach(run.epochs.filter((r) => r.stage === stage));
}

function lastOfEach(epochs: readonly EpochRecord[]): EpochRecord[] {
  const byEpoch = new Map<number, EpochRecord>();
  for (const r of epochs) byEpoch.set(r.epoch, r);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** `dir/rel` as JSON; null when the run did not write it. */
function readJson<T>(dir: string, rel: string, shownAs: string): T | null {
  const file = join(dir, rel);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new InputError([{ message: `${shownAs}: ${rel} is not valid JSON (${(e as Error).message})`, hint: 'the run folder is damaged; run the pipeline again' }]);
  }
}

function readEpochs(file: string, shownAs: string): EpochRecord[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: EpochRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as EpochRecord);
    } catch {
      // A run killed mid-write leaves a partial last line; anywhere else the file is damaged.
      if (i < lines.length - 2) throw new InputError([{ location: { file: join(shownAs, 'metrics.jsonl'), line: i + 1, col: 1 }, message: 'not a JSON epoch record' }]);
    }
  });
  return out;
}

function readPredictions(dir: string, rel: string, shownAs: string): StagePredictions | null {
  const p = readJson<StagePredictions>(dir, rel, shownAs);
  if (p === null) return null;
  const n = p.items?.length;
  if (!Array.isArray(p.classNames) || p.labels?.length !== n || p.predicted?.length !== n) {
    throw new InputError([{ message: `${shownAs}: ${rel} has ${n ?? 'no'} items, ${p.labels?.length ?? 'no'} labels and ${p.predicted?.length ?? 'no'} predictions`, hint: 'they must be equally long' }]);
  }
  return p;
}
