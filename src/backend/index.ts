// Choosing and starting the compute backend. Nothing here loads tfjs until a backend is asked
// for, so commands that never train start fast.
//
// Order: tensorflow-gpu > tensorflow > wasm-onednn > wasm > cpu, first available wins; `--backend NAME` or
// PIPE_BACKEND picks one outright (and failing to provide it is the user's error to fix).
import { inputError, JobError } from '../errors.js';
import { BACKEND_KINDS, BACKEND_SPECS, isBackendKind, WASM_KINDS, type BackendKind } from './kinds.js';
import { loadOnednn } from './onednn.js';
import { packageVersion, probeBackend, type BackendProbe } from './probe.js';
import type { BackendInfo, TfModule } from './types.js';

export { BACKEND_KINDS, type BackendKind } from './kinds.js';
export type { BackendProbe } from './probe.js';
export type { BackendInfo, TfModule } from './types.js';

export interface InitBackendOptions {
  /** A backend kind from `--backend`; wins over the environment. */
  readonly backend?: string;
  /** Where PIPE_BACKEND is read from (process.env by default). */
  readonly env?: NodeJS.ProcessEnv;
}

let tfModule: Promise<TfModule> | null = null;
function loadTf(): Promise<TfModule> {
  tfModule ??= import('@tensorflow/tfjs');
  return tfModule;
}

/** Every backend, in preference order, with why it is or is not available. */
export async function probeBackends(): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  for (const kind of BACKEND_KINDS) probes.push(await probeBackend(kind, loadTf));
  return probes;
}

/** Picks the backend (see the top of this file), starts it, and returns it with the tf module to use. */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const request = requestedBackend(opts);
  let chosen: BackendProbe | undefined;
  if (request) {
    chosen = await probeBackend(request.kind, loadTf);
    if (!chosen.available) {
      throw inputError(`backend '${request.kind}' (${request.source}) is not available: ${chosen.reason}`, {
        hint: `${request.fromFlag ? 'drop --backend' : 'unset PIPE_BACKEND'} to use the best available backend; 'pipe doctor' lists them`,
      });
    }
  } else {
    for (const kind of BACKEND_KINDS) {
      chosen = await probeBackend(kind, loadTf);
      if (chosen.available) break;
    }
  }
  // cpu is part of @tensorflow/tfjs itself, so the loop always ends on an available backend.
  const probe = chosen as BackendProbe;
  return start(probe, await loadTf(), request ? request.source : 'preference order');
}

export function requestedBackend(opts: InitBackendOptions): { kind: BackendKind; source: string; fromFlag: boolean } | null {
  const env = opts.env ?? process.env;
  const fromFlag = Boolean(opts.backend);
  const name = fromFlag ? opts.backend : env.PIPE_BACKEND;
  if (!name) return null;
  const source = fromFlag ? `--backend ${name}` : `PIPE_BACKEND=${name}`;
  if (!isBackendKind(name)) {
    throw inputError(`unknown backend '${name}' (${source}); known backends: ${BACKEND_KINDS.join(', ')}`);
  }
  return { kind: name, source, fromFlag };
}

async function start(probe: BackendProbe, tf: TfModule, chosenBy: string): Promise<BackendInfo> {
  const spec = BACKEND_SPECS[probe.kind];
  const versions: Record<string, string> = { '@tensorflow/tfjs': (await packageVersion('@tensorflow/tfjs')) ?? tf.version_core };
  versions[spec.packageName] = probe.version as string;
  let details: Record<string, string> = {};
  try {
    if (WASM_KINDS.includes(probe.kind)) {
      const { startWasm } = await import('./wasm.js');
      const wasm = await startWasm(tf, probe.kind === 'wasm-onednn');
      details = {
        binary: wasm.binary,
        simd: wasm.simd ? 'on' : 'off',
        threads: String(wasm.threads),
        heapLimit: wasm.heapLimitBytes === null ? 'unknown' : `${wasm.heapLimitBytes / 2 ** 20} MiB`,
        convolutions: wasm.onednn === null ? 'XNNPACK (tfjs-backend-wasm) and the engine\'s kernels' : `oneDNN ${wasm.onednn.version} (${wasm.onednn.isa})`,
        engineKernels: wasm.engineKernels.join(', '),
      };
      if (wasm.onednn !== null) {
        versions[BACKEND_SPECS.wasm.packageName] = (await packageVersion(BACKEND_SPECS.wasm.packageName)) as string;
        versions.oneDNN = wasm.onednn.version;
      }
    } else if (!(await tf.setBackend(spec.tfName))) {
      throw new Error(`tf.setBackend('${spec.tfName}') returned false`);
    }
  } catch (e) {
    throw new JobError(`backend '${probe.kind}' was available but did not start: ${(e as Error).message}`, `choose another with --backend (${BACKEND_KINDS.join(', ')})`);
  }
  active = probe.kind;
  return { kind: probe.kind, tf, versions, chosenBy, details };
}

let active: BackendKind | null = null;

/**
 * The kind of the backend tfjs computes on now, for training workers to start the same: the last
 * one started here, unless tfjs has since been switched to another (tests switch to cpu and
 * back), whose tfjs name is then the answer.
 */
export function activeBackendKind(tf: TfModule): string {
  return active !== null && BACKEND_SPECS[active].tfName === tf.getBackend() ? active : tf.getBackend();
}

/**
 * Whether expectedBackend's answer for `kind` holds without starting it: true for the kinds
 * whose every part loads without tfjs (wasm's files, the oneDNN addon, which it loads), false
 * for tfjs-node, whose native library is known to work only once started.
 */
export function trustedWithoutStart(kind: BackendKind): boolean {
  return kind !== 'tensorflow' && kind !== 'tensorflow-gpu';
}

/**
 * The kind initBackend will pick, found without loading tfjs: the requested one, else the first
 * whose package is installed. Stage keys are computed with it, so a run whose stages are all
 * cached never starts a backend. A native package that is installed but fails to load is the
 * one case where the guess is wrong: the caller starts such a backend before trusting it
 * (trustedWithoutStart).
 */
export async function expectedBackend(opts: InitBackendOptions = {}): Promise<BackendKind> {
  const request = requestedBackend(opts);
  if (request) return request.kind;
  for (const kind of BACKEND_KINDS) {
    if ((await packageVersion(BACKEND_SPECS[kind].packageName)) === null) continue;
    // Installed is not built: the addon is tried (5 ms, no tfjs) so that the guess holds.
    if (kind === 'wasm-onednn' && loadOnednn().addon === null) continue;
    return kind;
  }
  return 'cpu';
}
