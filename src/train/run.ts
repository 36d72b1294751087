// Runs a pipeline's stages in order: each stage compiles its model afresh (seeded), starts the
// layers named in `init` from the stages it needs, trains, and leaves its model, metrics and a
// summary row in the run folder.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ResolvedPipeline, SplitName } from '../config/types.js';
import type { ImageSet } from '../data/load-split.js';
import { InputError } from '../errors.js';
import type { GraphPlan } from '../graph/analyze.js';
import { compileGraphs } from '../graph/compile.js';
import { readCheckpoint } from './checkpoint.js';
import type { Tf } from './losses.js';
import { trainStage, type EpochRecord, type StageResult } from './loop.js';
import { openStageData } from './stage-data.js';
import { summaryRow, summaryTable, type SummaryRow } from './summary.js';
import { initLayers, readWeights, saveModel } from './weights.js';

export interface RunOptions {
  readonly tf: Tf;
  /** What made this run, recorded beside its results. */
  readonly backend: { readonly kind: string; readonly versions: Readonly<Record<string, string>>; readonly details: Readonly<Record<string, string>> };
  /** outputs/ of this project. */
  readonly outputs: string;
  /** Only these stages (and what they need); all when empty. */
  readonly stages: readonly string[];
  readonly workers: number;
  readonly events: RunEvents;
  readonly shouldStop: () => boolean;
  readonly now?: () => Date;
  /** A run folder to continue: finished stages are kept, an interrupted one resumes. */
  readonly resume?: string;
}

export interface RunEvents {
  stageStart(stage: string, info: { model: string; parameters: number; epochs: number; trainImages: number; stepsPerEpoch: number }): void;
  /** The stage's model, initialised (and `init` applied), before its first step. */
  stageReady?(stage: string, model: import('@tensorflow/tfjs').LayersModel): void;
  decode?(split: SplitName, done: number, total: number): void;
  step?(stage: string, epoch: number, step: number, steps: number, loss: number): void;
  epoch(record: EpochRecord): void;
  stageEnd(stage: string, result: StageResult, dir: string): void;
  /** A stage finished by the run being resumed: its model and results are kept as they are. */
  stageKept?(stage: string, dir: string): void;
}

export interface RunResult {
  readonly dir: string;
  readonly rows: readonly SummaryRow[];
  readonly interrupted: boolean;
}

export async function runPipeline(p: ResolvedPipeline, plan: GraphPlan, o: RunOptions): Promise<RunResult> {
  const order = stagesToRun(p, o.stages);
  const dir = o.resume ?? freshRunDir(join(o.outputs, 'runs'), `${p.name}-${stamp((o.now ?? (() => new Date()))())}`);
  const resolved = stringify(p, { lineWidth: 0 });
  if (o.resume) checkSamePipeline(o.resume, resolved);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pipeline.yaml'), resolved);
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ pipeline: p.name, stages: order, backend: o.backend, started: new Date().toISOString(), node: process.version }, null, 2));
  const splits = new Map<SplitName, ImageSet>();
  const rows: SummaryRow[] = [];
  const stageDirs = new Map<string, string>();
  let interrupted = false;
  for (const name of order) {
    const stage = p.stages[name];
    const stageDir = join(dir, name);
    stageDirs.set(name, stageDir);
    const kept = o.resume ? readResult(stageDir) : null;
    if (kept) {
      rows.push(summaryRow(name, stage.model, plan.models[stage.model].trainable, kept));
      o.events.stageKept?.(name, stageDir);
      continue;
    }
    const graphs = compileGraphs(p, plan);
    const model = graphs.model(stage.model);
    for (const [initModel, from] of Object.entries(stage.init)) {
      initLayers(model, plan.models[initModel].parts, readWeights(stageDirs.get(from)!), `stages.${name}.init.${initModel}`, from, o.tf);
    }
    for (const frozen of stage.freeze) for (const layer of model.layers) if (plan.models[frozen].parts.some((g) => layer.name.startsWith(`${g}/`))) layer.trainable = false;
    const data = await openStageData(p, name, stage, { cacheDir: join(o.outputs, 'cache', 'data'), workers: o.workers, splits, onDecode: o.events.decode });
    let result: StageResult;
    try {
      o.events.stageStart(name, { model: stage.model, parameters: plan.models[stage.model].trainable, epochs: stage.epochs ?? 1, trainImages: data.train?.size ?? 0, stepsPerEpoch: data.train?.stepsPerEpoch ?? 0 });
      o.events.stageReady?.(name, model);
      const files = { checkpoint: join(stageDir, 'checkpoint'), best: join(stageDir, 'best'), resume: o.resume ? readCheckpoint(join(stageDir, 'checkpoint')) : null };
      result = await trainStage(o.tf, name, stage, model, data, {
        onStep: o.events.step,
        onEpoch: (r) => {
          appendFileSync(join(dir, 'metrics.jsonl'), JSON.stringify(r) + '\n');
          o.events.epoch(r);
        },
        shouldStop: o.shouldStop,
      }, files);
    } finally {
      await data.close();
    }
    await saveModel(model, stageDir, o.tf);
    rows.push(summaryRow(name, stage.model, plan.models[stage.model].trainable, result));
    o.events.stageEnd(name, result, stageDir);
    model.dispose();
    if (result.stopped === 'interrupted') {
      interrupted = true;
      break;
    }
    writeFileSync(join(stageDir, 'result.json'), JSON.stringify(result));
  }
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(rows, null, 2));
  writeFileSync(join(dir, 'summary.md'), summaryTable(rows));
  return { dir, rows, interrupted };
}

/** The stages asked for and everything they need, in run order. */
export function stagesToRun(p: ResolvedPipeline, wanted: readonly string[]): string[] {
  const all = Object.keys(p.stages);
  if (wanted.length === 0) return all;
  const keep = new Set<string>();
  const visit = (s: string) => {
    if (keep.has(s)) return;
    keep.add(s);
    p.stages[s].needs.forEach(visit);
  };
  wanted.forEach(visit);
  return all.filter((s) => keep.has(s));
}

/** A new folder: two runs started in the same second get `-2`, `-3`, never each other's files. */
function freshRunDir(parent: string, base: string): string {
  mkdirSync(parent, { recursive: true });
  for (let k = 1; ; k++) {
    const dir = join(parent, k === 1 ? base : `${base}-${k}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

function readResult(stageDir: string): StageResult | null {
  const file = join(stageDir, 'result.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StageResult) : null;
}

/** Resuming is only sound for the pipeline that made the run: refuse another, naming what differs. */
function checkSamePipeline(dir: string, resolved: string): void {
  const file = join(dir, 'pipeline.yaml');
  if (!existsSync(file)) throw new InputError([{ message: `${dir} is not a run folder of pipe run (no pipeline.yaml)` }]);
  const before = readFileSync(file, 'utf8');
  if (before === resolved) return;
  const a = before.split('\n');
  const b = resolved.split('\n');
  const line = a.findIndex((l, i) => l !== b[i]);
  throw new InputError([{ message: `the pipeline changed since the run in ${dir} was made, from line ${line + 1} of its pipeline.yaml: '${a[line]?.trim() ?? ''}' is now '${b[line]?.trim() ?? ''}'`, hint: 'run it afresh without --resume' }]);
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
