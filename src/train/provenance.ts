// Where a run came from, recorded in its run.json: the command line (secrets redacted), pipe's
// version, the git state of the folder holding the pipeline file, the machine and the versions
// of the packages that compute. Cheap by design (a cached run takes well under a second): two git
// processes run side by side under a short timeout, package versions are read from package.json
// files, nothing heavy is imported. Never fails a run: what cannot be known is recorded as absent,
// with the reason.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, availableParallelism, cpus, hostname, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { onednnIfLoaded } from '../backend/onednn.js';
import { redactArgv } from './redact.js';

export interface Provenance {
  /** The arguments after `pipe`, as given, with URL credentials and secret query parameters
   *  replaced by `***` (redact.ts). No environment variable is recorded (PIPE_REMOTE, PIPE_QUEUE
   *  and AWS_* may hold credentials). */
  readonly argv: readonly string[];
  /** The folder the command ran in: what argv's relative paths are relative to. */
  readonly cwd: string;
  /** pipe's own version (its package.json). */
  readonly pipe: string;
  /** The git state of the folder holding the pipeline file. */
  readonly git: GitState;
  /** The machine: results (and their speed) depend on it. */
  readonly host: HostInfo;
  /** process.version, e.g. v20.19.0. */
  readonly node: string;
  /** Installed versions of the packages that compute (tfjs, its backends, sharp, the oneDNN
   *  addon); a package that is not installed is left out. `oneDNN` is the library's own version,
   *  present when this process loaded the addon. */
  readonly packages: Readonly<Record<string, string>>;
}

export type GitState =
  | {
      readonly present: true;
      /** The repository's top folder. */
      readonly root: string;
      /** HEAD's full hash. */
      readonly commit: string;
      /** Whether tracked or untracked (not ignored) files differ from the commit: then the commit
       *  alone does not reproduce the run. null when `git status` did not answer (why: in
       *  dirtyUnknown). */
      readonly dirty: boolean | null;
      readonly dirtyUnknown?: string;
    }
  | {
      readonly present: false;
      /** e.g. `not a git repository`, `git is not installed`, `git did not answer within 2 s`. */
      readonly reason: string;
    };

export interface HostInfo {
  readonly name: string;
  /** e.g. `linux 6.1.0-18-amd64 x64`. */
  readonly os: string;
  /** The first core's model name, e.g. `AMD EPYC 7B13`. */
  readonly cpu: string;
  /** Cores this process may use (os.availableParallelism). */
  readonly cores: number;
  readonly memoryBytes: number;
}

/** The packages whose versions decide a run's numbers or speed. */
const PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'sharp', 'pipe-onednn'];

/** git may be slow on a huge tree or a network file system: a run does not wait for it longer. */
export const GIT_TIMEOUT_MS = 2000;

export async function collectProvenance(o: { argv: readonly string[]; cwd: string; pipelineFile: string; git?: string }): Promise<Provenance> {
  return {
    argv: redactArgv(o.argv),
    cwd: o.cwd,
    pipe: pipeVersion(),
    git: await gitState(dirname(o.pipelineFile), o.git ?? 'git'),
    host: hostInfo(),
    node: process.version,
    packages: packageVersions(),
  };
}

export function hostInfo(): HostInfo {
  return { name: hostname(), os: `${platform()} ${release()} ${arch()}`, cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: availableParallelism(), memoryBytes: totalmem() };
}

/** `git` (or the binary given, for tests) asked about `dir`; absent with the reason, never a throw. */
export async function gitState(dir: string, git = 'git'): Promise<GitState> {
  const [head, status] = await Promise.all([runGit(git, dir, ['rev-parse', '--show-toplevel', 'HEAD']), runGit(git, dir, ['status', '--porcelain'])]);
  if (!head.ok) return { present: false, reason: head.reason };
  const [root, commit] = head.stdout.split('\n');
  if (!/^[0-9a-f]{40,64}$/.test(commit ?? '')) return { present: false, reason: `git gave no commit for HEAD: ${commit ?? ''}` };
  if (!status.ok) return { present: true, root, commit, dirty: null, dirtyUnknown: status.reason };
  return { present: true, root, commit, dirty: status.stdout !== '' };
}

type GitAnswer = { readonly ok: true; readonly stdout: string } | { readonly ok: false; readonly reason: string };

function runGit(git: string, dir: string, args: readonly string[]): Promise<GitAnswer> {
  // No lock on the index (a status beside the user's own git), no prompt, no pager, no colour.
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  return new Promise((done) => {
    execFile(git, ['-C', dir, ...args], { timeout: GIT_TIMEOUT_MS, env, maxBuffer: 4 * 2 ** 20, windowsHide: true }, (e, stdout, stderr) => {
      if (!e) return done({ ok: true, stdout: stdout.trim() });
      const err = e as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
      if (err.code === 'ENOENT') return done({ ok: false, reason: `git is not installed (${git} not found)` });
      if (err.killed || err.signal) return done({ ok: false, reason: `git did not answer within ${GIT_TIMEOUT_MS / 1000} s` });
      if ((err as { code?: unknown }).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return done({ ok: false, reason: 'git printed more than 4 MiB' });
      const said = String(stderr).trim().split('\n')[0] ?? '';
      if (/not a git repository/i.test(said)) return done({ ok: false, reason: 'not a git repository' });
      if (/ambiguous argument 'HEAD'|unknown revision/i.test(said)) return done({ ok: false, reason: 'a git repository without a commit yet' });
      done({ ok: false, reason: `git failed: ${said.replace(/^fatal: /, '') || err.message.split('\n')[0]}` });
    });
  });
}

const require = createRequire(import.meta.url);

function pipeVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function packageVersions(): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of PACKAGES) {
    const v = installedVersion(name);
    if (v !== null) found[name] = v;
  }
  const addon = onednnIfLoaded();
  if (addon) found.oneDNN = addon.version();
  return found;
}

/** A package's version from its package.json, found without loading the package; null when it is
 *  not installed. Some (sharp) do not export their package.json: it is found above their entry. */
export function installedVersion(name: string): string | null {
  let file: string;
  try {
    file = require.resolve(`${name}/package.json`);
  } catch {
    try {
      file = packageJsonAbove(require.resolve(name), name) ?? '';
    } catch {
      return null;
    }
  }
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    return pkg.name === name && typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

function packageJsonAbove(entry: string, name: string): string | null {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const file = join(dir, 'package.json');
      if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === name) return file;
    } catch {
      // no package.json here: go up
    }
  }
  return null;
}
