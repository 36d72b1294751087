// A stage's resumable state, written at every epoch end and when a run is stopped: the model's
// weights (BatchNorm statistics included), the optimiser's slots, the schedule's state, where
// the loop is (epoch, step, global step), the part-epoch's metric sums, the epochs so far and
// the best metric. Data order and augmentation are functions of (seed, epoch, item) and dropout
// of the global step, so nothing else is needed for a resumed run to equal an uninterrupted one.
// Written to a temporary folder and renamed into place: a crash leaves the previous checkpoint.
// checkpoint.json (written last) holds the size and sha256 of every other file: a truncated or
// altered checkpoint is detected on reading, never silently resumed from.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './losses.js';
import type { EpochRecord } from './loop.js';
import type { AccumulatorState } from './metrics.js';
import type { EngineOptimizer, OptimizerState } from './optimizers/index.js';
import type { ScheduleState } from './schedules/index.js';
import { fileSum, sumProblem, syncDir, writeAtomic, type FileSum } from '../cache/files.js';
import { readWeights, saveModel } from './weights.js';

export const CHECKPOINT_VERSION = 1;

export interface LoopState {
  /** The epoch in progress (0-based) and the next step in it. */
  readonly epoch: number;
  readonly step: number;
  readonly globalStep: number;
  readonly records: readonly EpochRecord[];
  readonly best: { readonly epoch: number; readonly value: number } | null;
  /** Sums of the part of `epoch` already trained; null at an epoch boundary. */
  readonly accumulator: AccumulatorState | null;
  readonly schedule: ScheduleState;
}

export interface Checkpoint {
  readonly state: LoopState;
  readonly optimizer: OptimizerState;
  readonly weights: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
}

export async function writeCheckpoint(dir: string, model: tfjs.LayersModel, optimizer: EngineOptimizer, state: LoopState, tf: Tf): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await writeInto(tmp, model, optimizer, state, tf);
  } catch (e) {
    // A full disk or an I/O error: the previous checkpoint is untouched; drop the partial one.
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  // Swap: between the two renames only `old` holds a checkpoint, and reading falls back to it.
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  syncDir(join(dir, '..'));
  rmSync(old, { recursive: true, force: true });
}

async function writeInto(tmp: string, model: tfjs.LayersModel, optimizer: EngineOptimizer, state: LoopState, tf: Tf): Promise<void> {
  await saveModel(model, tmp, tf);
  const opt = optimizer.state();
  const slotNames = Object.keys(opt.slots);
  const arrays = slotNames.flatMap((n) => opt.slots[n]);
  writeAtomic(join(tmp, 'optimizer.bin'), Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
  const files = Object.fromEntries(CHECKPOINT_FILES.map((f) => [f, fileSum(join(tmp, f))]));
  const manifest = { version: CHECKPOINT_VERSION, state, optimizer: { type: opt.type, step: opt.step, slots: slotNames.map((n) => ({ name: n, sizes: opt.slots[n].map((a) => a.length) })) }, files };
  writeAtomic(join(tmp, 'checkpoint.json'), Buffer.from(JSON.stringify(manifest)));
}

const CHECKPOINT_FILES = ['model.json', 'weights.bin', 'optimizer.bin'];

/** A checkpoint whose files do not match its manifest. */
export class CorruptCheckpoint extends Error {}

/** The checkpoint in `dir` (or in `dir`.old, left by a crash between the two renames of a write);
 *  null when there is none; CorruptCheckpoint when its files do not match its manifest. */
export function readCheckpoint(dir: string): Checkpoint | null {
  if (!existsSync(join(dir, 'checkpoint.json')) && existsSync(join(`${dir}.old`, 'checkpoint.json'))) dir = `${dir}.old`;
  if (!existsSync(join(dir, 'checkpoint.json'))) return null;
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
  } catch {
    throw new CorruptCheckpoint(`${dir}/checkpoint.json does not parse`);
  }
  if (!isRecord(manifest)) throw new CorruptCheckpoint(`${dir}/checkpoint.json is not an object`);
  if (manifest.version !== CHECKPOINT_VERSION) throw new CorruptCheckpoint(`${dir}: checkpoint format ${String(manifest.version)}, this engine reads ${CHECKPOINT_VERSION}`);
  const wrong = manifestProblem(manifest);
  if (wrong) throw new CorruptCheckpoint(`${dir}/checkpoint.json: ${wrong}`);
  for (const f of CHECKPOINT_FILES) {
    const problem = manifest.files?.[f] ? sumProblem(join(dir, f), manifest.files[f]) : 'has no checksum in checkpoint.json';
    if (problem !== null) throw new CorruptCheckpoint(`${join(dir, f)} ${problem}`);
  }
  const bytes = readFileSync(join(dir, 'optimizer.bin'));
  const floats = manifest.optimizer.slots.reduce((n, s) => n + s.sizes.reduce((a, b) => a + b, 0), 0);
  if (4 * floats !== bytes.byteLength) throw new CorruptCheckpoint(`${dir}/checkpoint.json: its optimizer slots need ${4 * floats} bytes, optimizer.bin has ${bytes.byteLength}`);
  let offset = bytes.byteOffset;
  const slots: Record<string, Float32Array[]> = {};
  for (const { name, sizes } of manifest.optimizer.slots) {
    slots[name] = sizes.map((n) => {
      const a = new Float32Array(bytes.buffer.slice(offset, offset + 4 * n));
      offset += 4 * n;
      return a;
    });
  }
  return { state: manifest.state, optimizer: { type: manifest.optimizer.type, step: manifest.optimizer.step, slots }, weights: readWeights(dir) };
}

interface CheckpointManifest {
  version: number;
  state: LoopState;
  optimizer: { type: OptimizerState['type']; step: number; slots: { name: string; sizes: number[] }[] };
  files: Record<string, FileSum>;
}

/** What is wrong with the fields of a checkpoint.json that parsed (null: nothing): a hand-edited
 *  or half-written file must be refused as damaged, never crash the reader. */
function manifestProblem(m: Record<string, unknown>): string | null {
  const state = m.state as Record<string, unknown> | undefined;
  const opt = m.optimizer as Record<string, unknown> | undefined;
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!isRecord(state) || !count(state.epoch) || !count(state.step) || !count(state.globalStep) || !Array.isArray(state.records)) return 'state is missing or malformed';
  if (!isRecord(opt) || typeof opt.type !== 'string' || !count(opt.step) || !Array.isArray(opt.slots)) return 'optimizer is missing or malformed';
  if (!opt.slots.every((s) => isRecord(s) && typeof s.name === 'string' && Array.isArray(s.sizes) && s.sizes.every(count))) return 'optimizer slots are malformed';
  if (!isRecord(m.files)) return 'files is missing';
  return null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Sets every weight of `model` (trainable or not) from a checkpoint, by name. */
export function restoreWeights(model: tfjs.LayersModel, weights: Checkpoint['weights'], tf: Tf): void {
  const values = model.weights.map((w) => {
    const s = weights.get(w.originalName);
    if (!s || s.shape.join('x') !== w.shape.join('x')) throw new Error(`checkpoint does not fit the model: ${w.originalName}`);
    return tf.tensor(s.data, [...s.shape]);
  });
  model.setWeights(values);
  tf.dispose(values);
}
