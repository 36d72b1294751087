// Studies for the index and a study's page: the record's status, its trials ranked as the study
// report ranks them (src/report/study/trials.ts), the parallel coordinates the report draws
// (made interactive here), and the best trial.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors.js';
import { parallelSpec, placeAxis } from '../report/study/charts.js';
import { readStudyFolder } from '../report/study/folder.js';
import { evenlyByRank, MAX_CHART_TRIALS, MAX_CHARTED_AXES, metricTitle } from '../report/study/sections.js';
import { metricScale, metricText, statusText, studyTrials, valueText } from '../report/study/trials.js';
import type { Chart } from './specs.js';

export interface StudyListing {
  readonly name: string;
  readonly study: string;
  readonly status: 'running' | 'stopped' | 'done' | 'failed' | 'unreadable';
  readonly reason?: string;
  readonly started: string;
  readonly trials: number;
  /** The best trial's name and metric as text; null before any trial has a value. */
  readonly best: { readonly name: string; readonly metric: string } | null;
}

/** Every study folder under outputs/studies/, newest first. */
export function listStudies(outputs: string): StudyListing[] {
  const root = join(outputs, 'studies');
  if (!existsSync(root)) return [];
  const dirs = readdirSync(root).filter((n) => statSync(join(root, n), { throwIfNoEntry: false })?.isDirectory() && existsSync(join(root, n, 'study.json')));
  return dirs.map((n) => readStudy(join(root, n))).sort((a, b) => b.started.localeCompare(a.started) || a.name.localeCompare(b.name));
}

function readStudy(dir: string): StudyListing {
  const name = basename(dir);
  try {
    const { record } = readStudyFolder(dir, name);
    const best = studyTrials(record).ranked[0];
    return { name, study: record.study, status: record.status, started: record.started, trials: record.trials.length, best: best?.rank ? { name: best.trial.name, metric: metricText(record.metric.name, best.metric) } : null };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { name, study: '?', status: 'unreadable', reason: e.message, started: '', trials: 0, best: null };
  }
}

export interface StudyView {
  readonly listing: StudyListing;
  readonly metric: string;
  readonly columns: readonly string[];
  /** Best first, as the report's trial table: rank ('-' unranked), name, values, metric, status;
   *  `sort` holds the metric as a number for sorting (null when the trial has none). */
  readonly rows: readonly { readonly cells: readonly string[]; readonly sort: number | null }[];
  readonly parallel: Chart | null;
}

/** Rows sent to a page: the report's table stops at the same number. */
const MAX_ROWS = 2000;

export function studyView(dir: string): StudyView {
  const listing = readStudy(dir);
  const { record } = readStudyFolder(dir, listing.name);
  const t = studyTrials(record);
  const rows = t.ranked.slice(0, MAX_ROWS).map((r) => ({
    cells: [r.rank === null ? '-' : String(r.rank), r.trial.name, ...t.columns.map((c) => valueText(r.trial.values[c.path])), metricText(record.metric.name, r.metric), statusText(r)],
    sort: r.metric,
  }));
  const measured = t.ranked.filter((r) => r.metric !== null);
  let parallel: Chart | null = null;
  if (measured.length && t.columns.length) {
    const drawn = evenlyByRank(measured, MAX_CHART_TRIALS);
    const columns = t.columns.slice(0, MAX_CHARTED_AXES);
    const axes = columns.map((c) => placeAxis(c.label, drawn.map((r) => r.trial.values[c.path])));
    const lines = drawn.map((r) => ({ trial: r.rank!, metric: metricScale(record.metric.name, r.metric!), values: columns.map((c) => r.trial.values[c.path]) }));
    parallel = { id: 'parallel', spec: parallelSpec(axes, lines, metricTitle(record), record.metric.goal), controls: false };
  }
  return { listing, metric: metricTitle(record, false), columns: ['#', 'trial', ...t.columns.map((c) => c.label), metricTitle(record, false), 'status'], rows, parallel };
}
