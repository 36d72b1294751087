// Reads a study folder that `pipe study` wrote (src/study/record.ts): its study.json, checked
// field by field before the report reads it. The record is rewritten while the study runs and may
// be edited, copied or cut short by hand: whatever is wrong is said with the file and the place,
// never as a stack trace.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { formatPath, type Path } from '../../config/paths.js';
import { InputError, type SourceLocation } from '../../errors.js';
import { STUDY_RECORD_FORMAT, type StudyRecord } from '../../study/record.js';

export const STUDY_FILE = 'study.json';

export interface StudyFolder {
  readonly dir: string;
  /** How the user named the folder, for messages. */
  readonly shownAs: string;
  readonly record: StudyRecord;
}

/** A folder is a study's when it holds study.json (a run folder holds run.json and pipeline.yaml). */
export function isStudyFolder(dir: string): boolean {
  return existsSync(join(dir, STUDY_FILE));
}

export function readStudyFolder(dir: string, shownAs: string = dir): StudyFolder {
  const shownFile = join(shownAs, STUDY_FILE);
  const file = join(dir, STUDY_FILE);
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new InputError([{ message: `${shownAs} is not a study folder (no ${STUDY_FILE})`, hint: 'pipe study writes them under outputs/studies/' }]);
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') throw new InputError([{ location: { file: shownFile, line: 1, col: 1 }, message: 'the file is empty (a study cut short before its first record?)' }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError([{ location: jsonErrorAt(text, e as Error, shownFile), message: `not valid JSON: ${(e as Error).message.replace(/ in JSON at position \d+.*$/, '')}`, hint: DAMAGED }]);
  }
  const problems = recordProblems(value);
  if (problems.length) {
    const locate = locator(text, shownFile);
    throw new InputError(problems.slice(0, MAX_PROBLEMS).map((p) => ({ location: locate(p.path), path: formatPath(p.path), message: p.message, hint: p.hint ?? DAMAGED })));
  }
  return { dir, shownAs, record: value as StudyRecord };
}

const DAMAGED = 'the study record is damaged; pipe study writes it again at every change';
/** A record damaged throughout (another file named study.json) would list every trial. */
const MAX_PROBLEMS = 10;

interface Problem {
  readonly path: Path;
  readonly message: string;
  readonly hint?: string;
}

// What the report reads of each object, and the check for each field: null when the value fits,
// else what was expected. Fields it does not read (pid, host, sets) are not checked.
type Check = (v: unknown) => string | null;
const is = (ok: (v: unknown) => boolean, what: string): Check => (v) => (ok(v) ? null : what);
const str = is((v) => typeof v === 'string', 'a string');
const num = is((v) => typeof v === 'number', 'a number');
const numOrNull = is((v) => v === null || typeof v === 'number', 'a number or null');
const strOrNull = is((v) => v === null || typeof v === 'string', 'a string or null');
const oneOf = (...names: string[]): Check => is((v) => typeof v === 'string' && names.includes(v), `one of ${names.join(', ')}`);
const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const mapOf = (item: (v: unknown) => boolean, what: string): Check => is((v) => isMap(v) && Object.values(v).every(item), what);
const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const listOf = (item: (v: unknown) => boolean, what: string): Check => is((v) => Array.isArray(v) && v.every(item), what);
const orNull = (c: Check): Check => (v) => (v === null ? null : c(v) && `${c(v)} or null`);

const STUDY: Record<string, Check> = {
  study: str,
  file: str,
  status: oneOf('running', 'done', 'failed', 'stopped'),
  started: str,
  updated: str,
  axes: listOf((v) => typeof v === 'string', 'a list of paths'),
  backend: str,
  workers: num,
  jobs: num,
  trials: is(Array.isArray, 'a list'),
  stages: is(Array.isArray, 'a list'),
};
const METRIC: Record<string, Check> = {
  stage: str,
  name: oneOf('val_top1', 'val_top5', 'val_loss', 'train_top1', 'train_loss'),
  goal: oneOf('max', 'min'),
  // Pipeline name -> its metric stage, for studies of several pipelines (Table 1's densenet).
  stages: (v) => (v === undefined ? null : mapOf((s) => typeof s === 'string', 'a map of pipeline names to stages')(v)),
};
const TRIAL: Record<string, Check> = {
  name: str,
  values: mapOf(scalar, 'a map of paths to strings, numbers, booleans or nulls'),
  status: oneOf('done', 'failed', 'pruned', 'stopped', 'running', 'pending'),
  metric: numOrNull,
  error: strOrNull,
  keys: orNull(mapOf((k) => typeof k === 'string', 'a map of stages to keys')),
  metricStage: str,
};
const STAGE: Record<string, Check> = {
  key: str,
  stage: str,
  model: str,
  parameters: num,
  trials: listOf((t) => Number.isInteger(t), 'a list of trial numbers'),
  status: str,
  error: strOrNull,
  seconds: num,
  prunedAt: numOrNull,
  records: is(Array.isArray, 'a list'),
};
const EPOCH: Record<string, Check> = {
  epoch: num,
  seconds: num,
  train: orNull(is(isMap, 'a map of metrics')),
  val: orNull(is(isMap, 'a map of metrics')),
};

function recordProblems(value: unknown): Problem[] {
  if (!isMap(value)) return [{ path: [], message: `expected the study record (a map), found ${describe(value)}` }];
  if (value.format !== STUDY_RECORD_FORMAT) {
    const newer = typeof value.format === 'number' && value.format > STUDY_RECORD_FORMAT;
    return [{ path: ['format'], message: `format ${JSON.stringify(value.format) ?? 'missing'}: this pipe reads study records of format ${STUDY_RECORD_FORMAT}`, hint: newer ? 'the study was written by a newer pipe; report it with that one' : 'not a study record of pipe study' }];
  }
  const out = fields(value, STUDY, []);
  out.push(...(isMap(value.metric) ? fields(value.metric, METRIC, ['metric']) : [{ path: ['metric'], message: `expected a map (stage, name, goal), found ${describe(value.metric)}` }]));
  if (Array.isArray(value.trials)) value.trials.forEach((t, i) => out.push(...item(t, TRIAL, ['trials', i])));
  if (Array.isArray(value.stages)) {
    value.stages.forEach((s, i) => {
      out.push(...item(s, STAGE, ['stages', i]));
      if (isMap(s) && Array.isArray(s.records)) s.records.forEach((r, j) => out.push(...item(r, EPOCH, ['stages', i, 'records', j])));
    });
  }
  return out;
}

function item(v: unknown, checks: Record<string, Check>, path: Path): Problem[] {
  return isMap(v) ? fields(v, checks, path) : [{ path, message: `expected a map, found ${describe(v)}` }];
}

function fields(v: Record<string, unknown>, checks: Record<string, Check>, path: Path): Problem[] {
  return Object.entries(checks).flatMap(([key, check]) => {
    const wrong = check(v[key]);
    return wrong === null ? [] : [{ path: [...path, key], message: `expected ${wrong}, found ${describe(v[key])}` }];
  });
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a map';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Where JSON.parse stopped: V8 says `at position N`, or nothing when the text ends early. */
function jsonErrorAt(text: string, e: Error, file: string): SourceLocation {
  const m = / at position (\d+)/.exec(e.message);
  const offset = m ? Number(m[1]) : text.length;
  const before = text.slice(0, offset).split('\n');
  return { file, line: before.length, col: before[before.length - 1].length + 1 };
}

/** Locating needs a parser that keeps positions (`yaml` reads JSON): run only for an error to
 *  show, and not on a record too large to parse twice quickly (then the path alone says where). */
const MAX_LOCATED_BYTES = 8 << 20;

function locator(text: string, file: string): (path: Path) => SourceLocation {
  const fallback: SourceLocation = { file, line: 0, col: 0 };
  if (text.length > MAX_LOCATED_BYTES) return () => fallback;
  const { LineCounter, parseDocument } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  return (path) => {
    // The deepest node that exists: a missing field is located at the map that lacks it.
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return { file, ...lines.linePos(node.range[0]) };
    }
    return fallback;
  };
}
