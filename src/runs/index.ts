// The runs of a project, read from their folders: what `pipe runs` prints and `pipe serve`
// shows. Reads only; pipe run (src/train/run-dir.ts) writes the folders. Imports nothing of cli/.
export { listRuns, newestFirst, type ListOptions } from './list.js';
export { readRun } from './read.js';
export { derivedStatus, parseStatus, HERE, type DerivedStatus, type Here } from './status.js';
export type { RunListing, RunState, StageBest, StageMetric } from './types.js';
export type { Provenance, GitState, HostInfo } from '../train/provenance.js';
export type { RunStatusRecord } from '../train/run-status.js';
