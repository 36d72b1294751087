// A temp folder holding a small pipeline (base.yaml) and the study files a test writes; loading a
// study there, or the exact lines of the InputError it throws.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, InputError } from '../../src/errors.js';
import { loadStudy } from '../../src/study/load.js';

export const BASE = `name: base
dataset: {format: image-folder, root: data}
models:
  net:
    input: [8, 8, 3]
    nodes:
      - {op: conv, filters: 4, kernel: 3}
      - {op: global_avgpool}
      - {op: dense, units: 2}
stages:
  train:
    kind: classify
    model: net
    train: {split: train}
    val: {split: val}
    epochs: 3
    optimizer: {type: sgd, lr: 0.1, momentum: 0.9}
`;

/** A folder with base.yaml and `files`. */
export function studyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-study-'));
  writeFileSync(join(dir, 'base.yaml'), BASE);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export async function load(study: string, sets: readonly string[] = [], files: Record<string, string> = {}) {
  const dir = studyDir({ 'study.yaml': study, ...files });
  return loadStudy('study.yaml', { cwd: dir, sets });
}

/** The lines a study's InputError prints; fails if it loads. */
export async function problems(study: string, sets: readonly string[] = [], files: Record<string, string> = {}): Promise<string[]> {
  try {
    await load(study, sets, files);
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  throw new Error('the study loaded');
}
