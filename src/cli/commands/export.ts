// `pipe export RUN_OR_PIPELINE --stage S -o DIR [--format F]`: a trained stage's model in the tfjs
// layers format (model.json + weights.bin; src/export writes it) and pipe.json, what a page needs
// to feed it: class names, input size, how pixels become inputs, the format, and the engine layers
// to register before loading (none in the default, stock format).
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expectedBackend } from '../../backend/index.js';
import { StageStore } from '../../cache/store.js';
import type { AugmentStep, ResolvedPipeline } from '../../config/types.js';
import { didYouMean } from '../../config/suggest.js';
import { readerFor } from '../../data/readers/index.js';
import { selectionSources } from '../../data/spec.js';
import { InputError, inputError } from '../../errors.js';
import { EXPORT_FORMATS, exportFormat, FORMAT_FILES, writeExportModel, type ExportFormat } from '../../export/index.js';
import type { OnnxExportRecord } from '../../export/onnx/index.js';
import type { Command } from '../command.js';
import { loadPipeline } from '../load-pipeline.js';
import { backendOption, setOption, sets, wholeNumber } from './options.js';

/** What an export writes: a folder may hold other things, but these only if an export wrote them. */
const filesOf = (format: ExportFormat) => [...FORMAT_FILES[format], 'pipe.json'];

export const exportCommand: Command = {
  name: 'export',
  summary: "write a trained stage's model, class names and preprocessing for use in a browser",
  usage: 'pipe export RUN_DIR|PIPELINE --stage S -o DIR [--format F] [--set PATH=VALUE]... [--backend NAME]',
  positionals: { min: 1, max: 1 },
  description:
    "Writes DIR/model.json and DIR/weights.bin (the tfjs layers format: tf.loadLayersModel loads them) and DIR/pipe.json: the class names, the input size, the preprocessing the model was trained with (pixels scaled to [0, 1], then the normalize step's mean and std if the stage's data has one; the evaluation chain's resize/crop steps), the format, and the engine's custom layers the model uses.\nWith --format onnx, DIR/model.onnx (opset 13; NHWC input and output as the engine's, so the same preprocessing feeds it) in place of model.json and weights.bin (docs/export.md).\nThe default format, tfjs, holds stock layers only (the engine's rewritten to stock equivalents, or refused naming the layer): @tensorflow/tfjs alone loads it. tfjs-engine writes the stored model as it is, with the engine's layers (register them before loading, as src/graph/layers does).\nFrom a run folder the stage's model is taken as that run saved it; from a pipeline file, from the cache entry of the stage's current key (run the pipeline first).",
  options: [
    { name: 'stage', type: 'string', value: 'S', description: 'the stage whose model to export' },
    { name: 'o', type: 'string', value: 'DIR', description: 'the folder to write; model.json, weights.bin and pipe.json there are replaced only if an earlier pipe export wrote them (.pipe-export.json lists them)' },
    { name: 'format', type: 'string', value: 'F', description: `the model's format: ${EXPORT_FORMATS.join(' or ')} (default tfjs: stock TensorFlow.js layers only)` },
    { name: 'outputs', type: 'string', value: 'DIR', description: 'the outputs folder holding the cache (default: outputs)' },
    setOption,
    backendOption,
    { name: 'workers', type: 'string', value: 'N', description: 'the training workers the stage ran with (they are part of its key with dropout, or BatchNorm over micro_batch pieces; default as pipe run)' },
  ],
  async run(args, io) {
    const stage = args.values.stage as string | undefined;
    const out = args.values.o as string | undefined;
    if (!stage || !out) throw inputError(`pipe export needs ${!stage ? '--stage S' : '-o DIR'}`);
    const format = exportFormat(args.values.format);
    const source = resolve(io.cwd, args.positionals[0]);
    const { pipeline, modelDir, key } = existsSync(source) && statSync(source).isDirectory() ? await fromRun(source, stage) : await fromPipeline(args, io, stage);
    const to = resolve(io.cwd, out);
    const { claimFolder } = await import('../../cache/owned-folder.js');
    const outputs = resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs');
    const claimed = claimFolder(to, { by: 'export', option: '-o', names: filesOf(format), refuse: [{ path: outputs, is: 'the outputs folder' }, { path: source, is: 'the run folder' }] });
    let info: ExportInfo;
    try {
      const written = await writeExportModel(format, modelDir, to, { pipeline: pipeline.name, stage, model: pipeline.stages[stage].model, key: key ?? '' });
      const base = await exportInfo(pipeline, stage, { modelTopology: written.topology }, key, format);
      // An ONNX model needs no tfjs layer classes registered.
      info = written.onnx ? { ...base, customLayers: [], onnx: written.onnx } : base;
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
  readonly pipeline: string;
  readonly stage: string;
  readonly model: string;
  readonly key: string | null;
  /** tfjs: stock layers only; tfjs-engine: the engine's layers (customLayers) too; onnx: model.onnx. */
  readonly format: ExportFormat;
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
  /** The ONNX model's file, opset, layout, inputs and outputs (format onnx). */
  readonly onnx?: OnnxExportRecord;
}

async function exportInfo(p: ResolvedPipeline, stage: string, modelJson: { modelTopology: { config: { readonly layers: readonly { class_name: string }[] } } }, key: string | null, format: ExportFormat): Promise<ExportInfo> {
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
    pipeline: p.name,
    stage,
    model: s.model,
    key,
    format,
    classNames: listing.classNames,
    input: input as number[],
    preprocessing: { scale: 255, ...(norm ? { mean: norm.mean, std: norm.std } : {}), eval_steps: evalSteps },
    customLayers: [...new Set(layers.filter((c) => engine.has(c)))].sort(),
  };
}
