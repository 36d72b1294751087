// The run's summary: the report's Table 1 (stage, model, epochs, parameters, best val top-1).
// Kept free of TensorFlow.js so the CLI can print it without loading tfjs.
import { thousands } from '../format.js';
import type { StageResult } from './loop.js';

export interface SummaryRow {
  readonly stage: string;
  readonly model: string;
  readonly epochs: number;
  readonly parameters: number;
  /** Best val top-1 over the epochs, in [0, 1]; null when the stage measured none. */
  readonly bestValTop1: number | null;
  readonly finalValLoss: number | null;
  readonly stopped: StageResult['stopped'];
}

export function summaryRow(stage: string, model: string, parameters: number, r: StageResult): SummaryRow {
  const tops = r.epochs.map((e) => e.val?.top1).filter((v): v is number => typeof v === 'number');
  const last = r.epochs[r.epochs.length - 1];
  return { stage, model, epochs: r.epochs.length, parameters, bestValTop1: tops.length ? Math.max(...tops) : null, finalValLoss: last?.val?.loss ?? null, stopped: r.stopped };
}

/** The report's Table 1: stage, model, epochs, parameters, best val top-1. */
export function summaryTable(rows: readonly SummaryRow[]): string {
  const lines = ['| stage | model | epochs | parameters | best val top-1 |', '|---|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.stage} | ${r.model} | ${r.epochs} | ${thousands(r.parameters)} | ${r.bestValTop1 === null ? '-' : `${(100 * r.bestValTop1).toFixed(2)}%`} |`);
  return lines.join('\n') + '\n';
}
