// For the stock export's tests: a pipeline's model compiled with its seeded random init (no
// training), saved as pipe run saves it, its engine predictions, and predictions of exported
// models by stock @tensorflow/tfjs in a child process where no engine layer is registered.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { saveModel } from '../../src/train/weights.js';
import { REPO } from './cli.js';

export interface SavedModel {
  /** The folder holding model.json and weights.bin as pipe run writes them. */
  readonly dir: string;
  /** [1, h, w, c] */
  readonly shape: readonly number[];
  readonly input: readonly number[];
  /** The engine model's output for `input`. */
  readonly expected: readonly number[];
}

/** Values in [offset - 2, offset + 2] that differ in every position (no symmetry to hide a misplaced pixel). */
export function testInput(size: number, offset = 0): number[] {
  return Array.from({ length: size }, (_, i) => offset + 2 * Math.sin(i * 12.9898 + 1.7));
}

/** Compiles `model` of pipeline `file` (relative to `cwd`), `prepare`s it (e.g. draws BatchNorm
 *  statistics), saves it under a new temp folder and predicts `testInput`. */
export async function savedModel(file: string, model: string, cwd = REPO, offset = 0, prepare?: (m: tf.LayersModel) => void): Promise<SavedModel> {
  const { pipeline, locate } = await resolvePipeline(file, { cwd });
  const plan = analyzeGraphs(pipeline, locate);
  const m = compileGraphs(pipeline, plan).model(model);
  prepare?.(m);
  const dir = join(mkdtempSync(join(tmpdir(), 'pipe-stock-')), model);
  await saveModel(m, dir, tf);
  const shape = [1, ...plan.models[model].input];
  const input = testInput(shape.reduce((a, b) => a * b, 1), offset);
  const y = tf.tidy(() => m.predict(tf.tensor(input, shape)) as tf.Tensor);
  const expected = Array.from(y.dataSync());
  y.dispose();
  m.dispose();
  return { dir, shape, input, expected };
}

/** The same for a pipeline given as YAML text. */
export async function savedModelOf(yaml: string, model: string, offset = 0): Promise<SavedModel> {
  const cwd = mkdtempSync(join(tmpdir(), 'pipe-stock-yaml-'));
  writeFileSync(join(cwd, 'p.yaml'), yaml);
  return savedModel('p.yaml', model, cwd, offset);
}

/** Predictions of the models in `dirs` (each with its input), by stock tfjs alone, in a child process. */
export function stockPredict(models: readonly { dir: string; shape: readonly number[]; input: readonly number[] }[], backend: 'cpu' | 'wasm' = 'cpu'): { outputs?: number[][]; error?: string; backend?: string } {
  const r = spawnSync(process.execPath, [join(REPO, 'test/helpers/stock-tfjs-predict.mjs')], {
    input: JSON.stringify({ backend, models }),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 300_000,
  });
  if (r.status !== 0) return { error: `exit ${r.status}: ${r.stderr.slice(-2000)}` };
  return JSON.parse(r.stdout);
}

/** The largest |a - b| over two outputs of one length. */
export function maxDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}
