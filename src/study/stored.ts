// The epochs of a stage complete in the store (its sealed result.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StageStore } from '../cache/store.js';
import type { EpochRecord, StageResult } from '../train/loop.js';

export function storedRecords(store: StageStore, key: string): EpochRecord[] {
  return [...(JSON.parse(readFileSync(join(store.dir(key), 'result.json'), 'utf8')) as StageResult).epochs];
}
