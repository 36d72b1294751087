// How a swept value is written: as a `--set` value (read back by config/overrides.ts as the same
// value), in a trial's name (short and readable), and in StudyTrial.values.
import { CORE_SCHEMA, load } from 'js-yaml';

/** The text after `PATH=` that the override reader reads back as `value`. */
export function setValueText(value: unknown): string {
  if (typeof value === 'string') return readsBackAs(value) ? value : JSON.stringify(value);
  // Numbers (finite: the study refuses others), null, booleans, lists and maps: JSON is YAML's
  // flow style, and the core schema reads it back.
  return JSON.stringify(value);
}

/** Whether YAML (the core schema) reads `text` as that very string: `adam` yes, `1e-3`, `true`, ` a` no. */
function readsBackAs(text: string): boolean {
  if (text === '' || text.includes('\n')) return false;
  try {
    return load(text, { schema: CORE_SCHEMA }) === text;
  } catch {
    return false;
  }
}

/** A value in a trial's name: numbers as JSON prints them (1e-3 -> 0.001), strings bare unless
 *  they hold a separator of the name (`,` `]` `=`), lists and maps as compact JSON. */
export function nameValueText(value: unknown): string {
  if (typeof value === 'string') return /[,\]=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** A value as StudyTrial.values holds it: scalars as they are, lists and maps as their compact JSON. */
export function recordedValue(value: unknown): string | number | boolean | null {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/**
 * The labels of a study's axes in trial names: each path without a leading `stages.` and its
 * `optimizer.` segment (`stages.finetune.optimizer.lr` -> `finetune.lr`), unless that short form
 * would be shared with another axis (then the full path).
 */
export function axisLabels(paths: readonly string[]): Map<string, string> {
  const short = new Map(paths.map((p) => [p, shorten(p)]));
  const uses = new Map<string, number>();
  for (const p of paths) for (const label of new Set([p, short.get(p)!])) uses.set(label, (uses.get(label) ?? 0) + 1);
  return new Map(paths.map((p) => [p, uses.get(short.get(p)!) === 1 ? short.get(p)! : p]));
}

function shorten(path: string): string {
  return path.replace(/^stages\./, '').replace(/(^|\.)optimizer\./, '$1');
}

/** `task2_ae[finetune.lr=0.001, seed=1]`, or the pipeline's name alone for a trial with no axes. */
export function trialName(pipeline: string, labelled: readonly (readonly [label: string, value: unknown])[]): string {
  if (labelled.length === 0) return pipeline;
  return `${pipeline}[${labelled.map(([label, value]) => `${label}=${nameValueText(value)}`).join(', ')}]`;
}
