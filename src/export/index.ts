// The export phase: a stage's stored model (src/train/weights.ts's tfjs layers format, with the
// engine's layers) written in a format another program loads. It reads files only: no tfjs, no
// engine layers, nothing of cli/.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { readLayersModel, writeLayersModel } from './model-files.js';
import { toStockLayers } from './tfjs-stock.js';
import type { ModelTopology } from './topology.js';

export { readLayersModel, writeLayersModel } from './model-files.js';
export { STOCK_CLASSES } from './rewrites/index.js';
export { stockRefusal, toStockLayers } from './tfjs-stock.js';
export type { LayerJson, LayersModelFiles, ModelTopology, NamedWeight } from './topology.js';

/**
 * tfjs: model.json + weights.bin of stock tfjs layer classes only (tf.loadLayersModel with
 * @tensorflow/tfjs alone). tfjs-engine: the stored files as they are, with the engine's layers.
 */
export const EXPORT_FORMATS = ['tfjs', 'tfjs-engine'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function exportFormat(value: unknown): ExportFormat {
  if (value === undefined) return 'tfjs';
  const known: readonly string[] = EXPORT_FORMATS;
  if (typeof value !== 'string' || !known.includes(value)) throw new InputError([{ message: `--format expects one of ${EXPORT_FORMATS.join(', ')}, found '${String(value)}'` }]);
  return value as ExportFormat;
}

/** Writes `to`/model.json and `to`/weights.bin from the stored model in `from`; returns the topology written. */
export function writeExportModel(format: ExportFormat, from: string, to: string): ModelTopology {
  switch (format) {
    case 'tfjs': {
      const stock = toStockLayers(readLayersModel(from));
      writeLayersModel(to, stock);
      return stock.topology;
    }
    case 'tfjs-engine': {
      const stored = readLayersModel(from); // checked whole before anything is copied
      for (const f of ['model.json', 'weights.bin']) copyFileSync(join(from, f), join(to, f));
      return stored.topology;
    }
    default: {
      const never: never = format;
      throw new Error(`unknown export format ${String(never)}`);
    }
  }
}
