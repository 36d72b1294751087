// The export phase: a stage's stored model (src/train/weights.ts's tfjs layers format, with the
// engine's layers) written in a format another program loads. It reads files only: no tfjs, no
// engine layers, nothing of cli/.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { readLayersModel, writeLayersModel } from './model-files.js';
import { toStockLayers } from './tfjs-stock.js';
import type { OnnxExportRecord } from './onnx/index.js';
import type { ModelTopology } from './topology.js';

export { readLayersModel, writeLayersModel } from './model-files.js';
export { STOCK_CLASSES } from './rewrites/index.js';
export { stockRefusal, toStockLayers } from './tfjs-stock.js';
export type { LayerJson, LayersModelFiles, ModelTopology, NamedWeight } from './topology.js';

/**
 * tfjs: model.json + weights.bin of stock tfjs layer classes only (tf.loadLayersModel with
 * @tensorflow/tfjs alone). tfjs-engine: the stored files as they are, with the engine's layers.
 * onnx: model.onnx (opset 13, NHWC in and out as the engine's; onnx/).
 */
export const EXPORT_FORMATS = ['tfjs', 'tfjs-engine', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function exportFormat(value: unknown): ExportFormat {
  if (value === undefined) return 'tfjs';
  const known: readonly string[] = EXPORT_FORMATS;
  if (typeof value !== 'string' || !known.includes(value)) throw new InputError([{ message: `--format expects one of ${EXPORT_FORMATS.join(', ')}, found '${String(value)}'` }]);
  return value as ExportFormat;
}

/** The files each format writes beside pipe.json. */
export const FORMAT_FILES: Readonly<Record<ExportFormat, readonly string[]>> = { tfjs: ['model.json', 'weights.bin'], 'tfjs-engine': ['model.json', 'weights.bin'], onnx: ['model.onnx'] };

export interface WrittenModel {
  /** The topology of the model written (for ONNX: of the stored model it was converted from). */
  readonly topology: ModelTopology;
  /** pipe.json's `onnx` section, for the onnx format. */
  readonly onnx?: OnnxExportRecord;
}

/**
 * Writes the stored model in `from` to `to` in `format` (model.json + weights.bin, or
 * model.onnx); `props` (pipeline, stage, model, key) go into an ONNX model's metadata.
 */
export async function writeExportModel(format: ExportFormat, from: string, to: string, props: Readonly<Record<string, string>> = {}): Promise<WrittenModel> {
  switch (format) {
    case 'tfjs': {
      const stock = toStockLayers(readLayersModel(from));
      writeLayersModel(to, stock);
      return { topology: stock.topology };
    }
    case 'tfjs-engine': {
      const stored = readLayersModel(from); // checked whole before anything is copied
      for (const f of ['model.json', 'weights.bin']) copyFileSync(join(from, f), join(to, f));
      return { topology: stored.topology };
    }
    case 'onnx': {
      const stored = readLayersModel(from);
      const { storedModel, writeOnnxModel } = await import('./onnx/index.js');
      return { topology: stored.topology, onnx: await writeOnnxModel(storedModel(join(from, 'model.json'), stored), join(to, 'model.onnx'), props) };
    }
    default: {
      const never: never = format;
      throw new Error(`unknown export format ${String(never)}`);
    }
  }
}
