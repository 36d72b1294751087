// Runs the real `pipe` binary (the compiled dist/, built by test/global-setup.ts).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadOnednn } from '../../src/backend/onednn.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The backend `pipe` picks here by default (no tfjs-node on the test machines): wasm-onednn where its addon is built. */
export const DEFAULT_BACKEND = loadOnednn().addon ? 'wasm-onednn' : 'wasm';
const BIN = fileURLToPath(new URL('../../bin/pipe.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runPipe(args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
