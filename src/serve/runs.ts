// The one place `pipe serve` learns which runs there are and what state each is in: src/runs,
// as `pipe runs` reads them (status from run.json, a killed run's dead pid reading as stopped;
// each stage's best metric). The server depends on this file alone for it.
export { listRuns, readRun, type RunListing } from '../runs/index.js';
