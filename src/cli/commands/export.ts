// `pipe export RUN_OR_PIPELINE --stage S -o DIR`: a trained stage's model in the tfjs layers
// format (model.json + weights.bin) and pipe.json, what a page needs to feed it: class names,
// input size, how pixels become inputs, and the engine layers to register before loading.
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expectedBackend } from '../../backend/index.js';
import { StageStore } from '../../cache/store.js';
import type { AugmentStep, ResolvedPipeline } from '../../config/types.js';
import { didYouMean } from '../../config/suggest.js';
import { readerFor } from '../../data/readers/index.js';
import { selectionSources } from '../../data/spec.js';
import { InputError, inputError } from '../../errors.js';
import type { OnnxExportRecord } from '../../export/onnx/index.js';
import type { Command } from '../command.js';
import { loadPipeline } from '../load-pipeline.js';
import { backendOption, setOption, sets, wholeNumber } from './options.js';

/** What an export writes: a folder may hold other things, but these only if an export wrote them. */
const EXPORT_FILES = ['model.json', 'weights.bin', 'pipe.json'];
const ONNX_FILES = ['model.onnx', 'pipe.json'];

export const exportCommand: Command = {
  name: 'export',
  summary: "write a trained stage's model, class names and preprocessing for use in a browser",
  usage: 'pipe export RUN_DIR|PIPELINE --stage S -o DIR [--format tfjs|onnx] [--set PATH=VALUE]... [--backend NAME]',
  positionals: { min: 1, max: 1 },
  description:
    "Writes DIR/model.json and DIR/weights.bin (the tfjs layers format: tf.loadLayersModel loads them) and DIR/pipe.json: the class names, the input size, the preprocessing the model was trained with (pixels scaled to [0, 1], then the normalize step's mean and std if the stage's data has one; the evaluation chain's resize/crop steps), and the engine's custom layers the model uses (register them before loading, as src/graph/layers does).\nWith --format onnx, DIR/model.onnx (opset 13; NHWC input and output as the engine's, so the same preprocessing feeds it) replaces model.json and weights.bin (docs/export.md).\nFrom a run folder the stage's model is taken as that run saved it; from a pipeline file, from the cache entry of the stage's current key (run the pipeline first).",
  options: [
    { name: 'stage', type: 'string', value: 'S', description: 'the stage whose model to export' },
    { name: 'o', type: 'string', value: 'DIR', description: 'the folder to write; model.json, weights.bin and pipe.json there are replaced only if an earlier pipe export wrote them (.pipe-export.json lists them)' },
    { name: 'format', type: 'string', value: 'F', description: 'tfjs (default): the tfjs layers format; onnx: an ONNX model, model.onnx' },
    { name: 'outputs', type: 'string', value: 'DIR', description: 'the outputs folder holding the cache (default: outputs)' },
    setOption,
    backendOption,
    { name: 'workers', type: 'string', value: 'N', description: 'the training workers the stage ran with (they are part of its key with BatchNorm or dropout; default as pipe run)' },
  ],
  async run(args, io) {
    const stage = args.values.stage as string | undefined;
    const out = args.values.o as string | undefined;
    if (!stage || !out) throw inputError(`pipe export needs ${!stage ? '--stage S' : '-o DIR'}`);
    const format = args.values.format ?? 'tfjs';
    if (format !== 'tfjs' && format !== 'onnx') throw inputError(`--format expects tfjs or onnx, found '${String(format)}'`);
    const source = resolve(io.cwd, args.positionals[0]);
    const { pipeline, modelDir, key } = existsSync(source) && statSync(source).isDirectory() ? await fromRun(source, stage) : await fromPipeline(args, io, stage);
    const to = resolve(io.cwd, out);
    const { claimFolder } = await import('../../cache/owned-folder.js');
    const outputs = resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs');
    const claimed = claimFolder(to, { by: 'export', option: '-o', names: format === 'onnx' ? ONNX_FILES : EXPORT_FILES, refuse: [{ path: outputs, is: 'the outputs folder' }, { path: source, is: 'the run folder' }] });
    let info: ExportInfo;
    try {
      let onnx: OnnxExportRecord | undefined;
      if (format === 'onnx') {
        const { writeOnnxModel } = await import('../../export/onnx/index.js');
        onnx = await writeOnnxModel(modelDir, join(to, 'model.onnx'), { pipeline: pipeline.name, stage, model: pipeline.stages[stage].model, key: key ?? '' });
      } else {
        for (const f of ['model.json', 'weights.bin']) copyFileSync(join(modelDir, f), join(to, f));
      }
      const base = await exportInfo(pipeline, stage, JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')), key);
      // An ONNX model needs no tfjs layer classes registered.
      info = onnx ? { ...base, format: 'onnx', customLayers: [], onnx } : base;
      writeFileSync(join(to, 'pipe.json'), JSON.stringify(info, null, 2) + '\n');
    } finally {
      // Recorded even when writing fails part-way: a rerun may then replace what this one wrote.
      claimed.finish();
    }
    io.out(`exported ${pipeline.name}/${stage} (${info.model}, ${info.classNames.length} classes${format === 'onnx' ? ', ONNX' : ''}) to ${to}\n`);
    return 0;
  },
};

async function fromRun(dir: string, stage: string): Promise<{ pipeline: ResolvedPipeline; modelDir: string; key: string | null }> {
  const runFile = join(dir, 'run.json');
  if (!existsSync(runFile)) throw inputError(`${dir} is not a run folder of pipe run (no run.json)`);
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as { stages: string[]; keys?: Record<string, string> };
  if (!run.stages.includes(stage)) throw inputError(`the run in ${dir} has no stage '${stage}'${didYouMean(stage, run.stages)}`, { hint: `its stages: ${run.stages.join(', ')}` });
  const modelDir = join(dir, stage);
  if (!existsSync(join(modelDir, 'model.json'))) throw inputError(`stage '${stage}' of the run in ${dir} has no saved model (it did not finish)`, { hint: 'run the pipeline again to finish it' });
  // pipeline.yaml is the resolved pipeline as the run wrote it: plain YAML of ResolvedPipeline.
  const { load } = await import('js-yaml');
  const pipeline = load(readFileSync(join(dir, 'pipeline.yaml'), 'utf8')) as ResolvedPipeline;
  return { pipeline, modelDir, key: run.keys?.[stage] ?? null };
}

async function fromPipeline(args: Parameters<Command['run']>[0], io: Parameters<Command['run']>[1], stage: string): Promise<{ pipeline: ResolvedPipeline; modelDir: string; key: string | null }> {
  const { pipeline, plan } = await loadPipeline(args.positionals[0], io.cwd, sets(args));
  const known = Object.keys(pipeline.stages);
  if (!known.includes(stage)) throw new InputError([{ message: `unknown stage '${stage}'${didYouMean(stage, known)}`, hint: `stages: ${known.join(', ')}` }]);
  const kind = await expectedBackend({ backend: args.values.backend as string | undefined, env: io.env });
  const store = StageStore.at(resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs'), (m) => io.err(`warning: ${m}\n`));
  const { prepareRun } = await import('../../train/prepare.js');
  const { chooseTrainWorkers } = await import('../../train/parallel/workers.js');
  const { workers } = chooseTrainWorkers(wholeNumber(args.values.workers, '--workers', 1), pipeline.workers, kind);
  const { keys } = await prepareRun(pipeline, plan, { backend: kind, workers, store, stages: [stage] });
  const key = keys[stage].key;
  if (!store.complete(key)) throw inputError(`stage '${stage}' of ${args.positionals[0]} is not in the cache for its current definition (key ${key.slice(0, 12)}, backend ${kind}, ${workers} training workers)`, { hint: `run it first: pipe run ${args.positionals[0]} --stage ${stage}, or give --workers as the run did` });
  return { pipeline, modelDir: store.dir(key), key };
}

export interface ExportInfo {
  /** tfjs: model.json + weights.bin; onnx: model.onnx, described by `onnx`. */
  readonly format: 'tfjs' | 'onnx';
  readonly onnx?: OnnxExportRecord;
  readonly pipeline: string;
  readonly stage: string;
  readonly model: string;
  readonly key: string | null;
  readonly classNames: readonly string[];
  /** [height, width, channels] of one input image. */
  readonly input: readonly number[];
  readonly preprocessing: {
    /** Pixels (0..255) are divided by this first. */
    readonly scale: number;
    /** Then, per channel, (x - mean) / std; absent when the stage's data is not normalised. */
    readonly mean?: readonly number[];
    readonly std?: readonly number[];
    /** The evaluation chain's steps (resize, center_crop) applied before scaling. */
    readonly eval_steps: readonly AugmentStep[];
  };
  /** The engine's layer classes in model.json: register them before tf.loadLayersModel. */
  readonly customLayers: readonly string[];
}

async function exportInfo(p: ResolvedPipeline, stage: string, modelJson: { modelTopology: { config: { layers: { class_name: string }[] } } }, key: string | null): Promise<ExportInfo> {
  const s = p.stages[stage];
  const chainsOf = (sel: typeof s.train) => (sel ? selectionSources(sel).map((src) => (src.augment ? p.augment[src.augment] : [])) : []);
  const all = [...chainsOf(s.train), ...chainsOf(s.val)].flat();
  const norm = all.find((step) => step.op === 'normalize') as { mean?: number[]; std?: number[] } | undefined;
  const evalSteps = chainsOf(s.val).flat().filter((step) => step.op === 'resize' || step.op === 'center_crop');
  const split = (s.train ? selectionSources(s.train) : s.val ? selectionSources(s.val) : [])[0]?.split ?? 'train';
  const listing = await readerFor(p.dataset.format).list(p.dataset, split);
  const layers = modelJson.modelTopology.config.layers.map((l) => l.class_name);
  const { customLayers } = await import('../../graph/layers/index.js');
  const engine = new Set(Object.values(customLayers).map((c) => c.className));
  const input = (modelJson.modelTopology.config as unknown as { layers: { config: { batch_input_shape?: (number | null)[] } }[] }).layers[0].config.batch_input_shape?.slice(1) ?? [];
  return {
    format: 'tfjs',
    pipeline: p.name,
    stage,
    model: s.model,
    key,
    classNames: listing.classNames,
    input: input as number[],
    preprocessing: { scale: 255, ...(norm ? { mean: norm.mean, std: norm.std } : {}), eval_steps: evalSteps },
    customLayers: [...new Set(layers.filter((c) => engine.has(c)))].sort(),
  };
}
