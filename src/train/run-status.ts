// A run's status in its run.json: `running` (with the pid and host that run it) from the start,
// then `done`, `failed` (with the error's one-line reason) or `stopped` at the end. Each change
// rewrites run.json atomically, so a reader (pipe runs, a dashboard) never sees half a file. A
// run killed outright stays `running`; src/runs/status.ts reads that as stopped once its pid is
// gone.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from '../cache/files.js';
import { environmentMessage, formatDiagnostic, InputError } from '../errors.js';

export type RunStatusRecord =
  | {
      readonly state: 'running';
      readonly pid: number;
      /** os.hostname() of the machine running it: only there can the pid be checked. */
      readonly host: string;
      /** ISO time it started (or was resumed). */
      readonly since: string;
    }
  | { readonly state: 'done'; readonly ended: string }
  | {
      readonly state: 'failed';
      readonly ended: string;
      /** The error's first line, as the console printed it. */
      readonly reason: string;
    }
  | {
      readonly state: 'stopped';
      readonly ended: string;
      /** e.g. `received SIGTERM`, `received SIGINT`: the stages were checkpointed. */
      readonly reason: string;
    };

export function runningStatus(now: Date = new Date()): RunStatusRecord {
  return { state: 'running', pid: process.pid, host: hostname(), since: now.toISOString() };
}

/** Sets run.json's `status`, keeping everything else in it. */
export function recordStatus(runDir: string, status: RunStatusRecord): void {
  updateRunJson(runDir, { status });
}

/** Merges `fields` into run.json, written atomically. */
export function updateRunJson(runDir: string, fields: Readonly<Record<string, unknown>>): void {
  const file = join(runDir, 'run.json');
  const before = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeAtomic(file, Buffer.from(JSON.stringify({ ...before, ...fields }, null, 2) + '\n'));
}

/** The one line a failed run's status gives: what the console's error said, on one line. */
export function failureReason(e: unknown): string {
  const text = e instanceof InputError ? formatDiagnostic(e.diagnostics[0] ?? { message: e.message }) : (environmentMessage(e) ?? (e instanceof Error ? e.message : String(e)));
  const line = text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return line.length > 500 ? `${line.slice(0, 500)}...` : line;
}
