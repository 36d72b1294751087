// Every run folder under outputs/runs, newest first. A folder that is not a readable run is
// listed as `unreadable` with the reason; anything that is not a folder is skipped with a warning.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRun } from './read.js';
import { HERE, type Here } from './status.js';
import type { RunListing } from './types.js';

export interface ListOptions {
  /** Told about entries of outputs/runs that are skipped (default: nobody). */
  readonly warn?: (message: string) => void;
  readonly here?: Here;
}

export function listRuns(outputsDir: string, o: ListOptions = {}): RunListing[] {
  const parent = join(outputsDir, 'runs');
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch (e) {
    // No runs yet: an empty list. Anything else (a file where the folder should be, no
    // permission) is said, and the list is empty.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') o.warn?.(`cannot list ${parent}: ${(e as Error).message}`);
    return [];
  }
  const runs: RunListing[] = [];
  for (const name of names) {
    const dir = join(parent, name);
    // Temporaries and dot-files (an editor's, a file system's) are nobody's runs.
    if (name.startsWith('.')) continue;
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (e) {
      o.warn?.(`skipped ${dir}: ${(e as Error).message}`);
      continue;
    }
    if (!isDir) {
      o.warn?.(`skipped ${dir}: not a run folder (a file)`);
      continue;
    }
    runs.push(readRun(dir, o.here ?? HERE));
  }
  return runs.sort(newestFirst);
}

export function newestFirst(a: RunListing, b: RunListing): number {
  // ISO times (readRun normalises them) sort as text.
  return compare(b.started, a.started) || compare(b.name, a.name);
}

function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
