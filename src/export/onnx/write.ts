// `pipe export --format onnx`'s step: a stored model folder in, DIR/model.onnx out (written
// atomically), and what pipe.json records about it.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { writeAtomic } from '../../cache/files.js';
import { convertToOnnx, OPSET, type OnnxTensorInfo } from './convert.js';
import type { StoredModel } from './stored-model.js';

/** pipe.json's `onnx` section. */
export interface OnnxExportRecord {
  /** The file, beside pipe.json. */
  readonly file: string;
  readonly opset: number;
  /** The inputs and outputs by name, each shape per example: images NHWC ([h, w, c]) as the
   *  engine's, so pipe.json's preprocessing yields the input unchanged; the batch is free. */
  readonly layout: 'NHWC';
  readonly inputs: readonly OnnxTensorInfo[];
  readonly outputs: readonly OnnxTensorInfo[];
}

/** Converts a stored model (read by model-files.ts) and writes it to `outFile`; `props` become its metadata. */
export async function writeOnnxModel(stored: StoredModel, outFile: string, props: Readonly<Record<string, string>>): Promise<OnnxExportRecord> {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const onnx = convertToOnnx(stored, { producerVersion: pkg.version, props });
  writeAtomic(outFile, onnx.bytes);
  return { file: basename(outFile), opset: OPSET, layout: 'NHWC', inputs: onnx.inputs, outputs: onnx.outputs };
}
