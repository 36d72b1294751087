// Finding out which backends this installation can run, without starting any of them (except
// loading the tfjs-node packages, whose native library is the only way to know they work).
import { createRequire } from 'node:module';
import { readFile, access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BACKEND_SPECS, type BackendKind } from './kinds.js';
import { loadOnednn } from './onednn.js';
import type { TfModule } from './types.js';

const require = createRequire(import.meta.url);

/** What doctor prints per backend. */
export interface BackendProbe {
  readonly kind: BackendKind;
  readonly packageName: string;
  /** The installed package's version; null when it is not installed. */
  readonly version: string | null;
  readonly available: boolean;
  /** Why it is not available (null when it is). */
  readonly reason: string | null;
}

/** The package.json folder of an installed package, or null when it is not installed. */
export function packageDir(name: string): string | null {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

export async function packageVersion(name: string): Promise<string | null> {
  const dir = packageDir(name);
  if (dir === null) return null;
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The wasm binaries tfjs-backend-wasm ships, by what the runtime supports. */
export function wasmBinaryName(simd: boolean, threads: boolean): string {
  if (simd && threads) return 'tfjs-backend-wasm-threaded-simd.wasm';
  return simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
}

export async function probeBackend(kind: BackendKind, tf: () => Promise<TfModule>): Promise<BackendProbe> {
  const spec = BACKEND_SPECS[kind];
  const version = await packageVersion(spec.packageName);
  const result = (reason: string | null): BackendProbe => ({ kind, packageName: spec.packageName, version, available: reason === null, reason });
  if (version === null) return result(`not installed; ${spec.installNeeds}`);
  switch (kind) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return result(await nativeProblem(spec.packageName, version, await tf()));
    case 'wasm':
      return result(await wasmFilesProblem(spec.packageName));
    case 'wasm-onednn': {
      // wasm itself first: without it the addon has nothing to run on.
      const wasm = await probeBackend('wasm', tf);
      if (!wasm.available) return result(`${wasm.packageName}: ${wasm.reason}`);
      const { reason } = loadOnednn();
      return result(reason === null ? null : `installed (${version}) but does not load: ${reason}`);
    }
    case 'cpu':
      return result(null);
    default: {
      const never: never = kind;
      throw new Error(`unknown backend kind ${String(never)}`);
    }
  }
}

// Which tfjs-node package registered the 'tensorflow' backend in this process: both register that
// name, and loading the second would replace the first's native library under it.
let nativeLoadedFrom: string | null = null;

/** Loads a tfjs-node package (its native libtensorflow) and checks it registered on our tfjs. */
async function nativeProblem(packageName: string, version: string, tf: TfModule): Promise<string | null> {
  if (nativeLoadedFrom !== null && nativeLoadedFrom !== packageName) {
    return `installed (${version}) but not loaded: ${nativeLoadedFrom} already provides the 'tensorflow' backend`;
  }
  try {
    await import(packageName);
  } catch (e) {
    const first = String((e as Error)?.message ?? e).split('\n')[0];
    return `installed (${version}) but does not load: ${first}`;
  }
  if (!tf.findBackendFactory('tensorflow')) {
    return `installed (${version}) but registered its backend on another copy of @tensorflow/tfjs than pipe's (${tf.version_core})`;
  }
  nativeLoadedFrom = packageName;
  return null;
}

async function wasmFilesProblem(packageName: string): Promise<string | null> {
  const dist = join(packageDir(packageName) as string, 'dist');
  const missing: string[] = [];
  for (const name of [wasmBinaryName(false, false), wasmBinaryName(true, false)]) {
    try {
      await access(join(dist, name));
    } catch {
      missing.push(name);
    }
  }
  return missing.length ? `installed but its binaries are missing from ${dist}: ${missing.join(', ')}` : null;
}
