// Starting tfjs-backend-wasm in Node: point it at its own .wasm files, make sure the binary it
// loads is the one we expect (SIMD where the runtime has it; threads are not supported in Node),
// and install the engine's kernels before anything runs on it (oneDNN's convolutions for
// wasm-onednn).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withoutAddedProcessListeners } from './emscripten-listeners.js';
import { loadOnednn } from './onednn.js';
import { packageDir, wasmBinaryName } from './probe.js';
import type { TfModule } from './types.js';

export interface WasmStart {
  /** The .wasm file actually loaded. */
  readonly binary: string;
  readonly simd: boolean;
  readonly threads: number;
  /** The most the heap can grow to (the binary's declared memory maximum), in bytes; null if not declared there. */
  readonly heapLimitBytes: number | null;
  /** Kernels the engine registered over (or beside) the stock ones. */
  readonly engineKernels: readonly string[];
  /** oneDNN's version and instruction set when it computes the convolutions; null when XNNPACK does. */
  readonly onednn: { readonly version: string; readonly isa: string } | null;
}

const ALL_BINARIES = [wasmBinaryName(false, false), wasmBinaryName(true, false), wasmBinaryName(true, true)];

/** Starts wasm; with `withOnednn`, its convolutions go to oneDNN (the wasm-onednn backend). */
export async function startWasm(tf: TfModule, withOnednn = false): Promise<WasmStart> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = join(packageDir('@tensorflow/tfjs-backend-wasm') as string, 'dist');
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threaded = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const binary = wasmBinaryName(simd, threaded);
  if (!tf.findBackend('wasm')) {
    // Only the expected binary maps to a real file: if tfjs chose another, start-up fails here
    // instead of running silently on a slower build.
    wasm.setWasmPaths(Object.fromEntries(ALL_BINARIES.map((name) => [name, join(dist, name === binary ? name : `${name}.unexpected`)])));
  }
  // The module's rethrowing process listeners go (emscripten-listeners.ts): a failure is the engine's to report.
  if (!(await withoutAddedProcessListeners(() => tf.setBackend('wasm')))) {
    throw new Error(`the wasm backend did not start (binary ${join(dist, binary)})`);
  }
  const { registerEngineKernels, registerOnednnKernels } = await import('./kernels/index.js');
  const engineKernels = registerEngineKernels();
  // Installed either way (over the kernels above), active only with the addon: one process can
  // start wasm and wasm-onednn in turn (tests do).
  const onednnKernels = registerOnednnKernels();
  const { useOnednn } = await import('./kernels/onednn_state.js');
  let onednn: WasmStart['onednn'] = null;
  if (withOnednn) {
    const { addon, reason } = loadOnednn();
    if (addon === null) throw new Error(`the oneDNN addon does not load: ${reason}`);
    onednn = { version: addon.version(), isa: addon.isa() };
    useOnednn(addon);
    engineKernels.push(...onednnKernels);
  } else {
    useOnednn(null);
  }
  return { binary, simd, threads: wasm.getThreadsCount(), heapLimitBytes: await memoryMaximum(join(dist, binary)), engineKernels, onednn };
}

/**
 * The maximum of the memory a wasm binary declares (section 5: count, flags, min, max in 64 KiB
 * pages, LEB128). Read from the file because the running Memory object does not expose it.
 */
export async function memoryMaximum(file: string): Promise<number | null> {
  const bytes = await readFile(file);
  let at = 8; // magic + version
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    if (id === 5) {
      leb(); // memory count, always 1
      const flags = leb();
      leb(); // minimum pages
      // No declared maximum: wasm32 addresses reach 4 GiB.
      return (flags & 1 ? leb() : 65536) * 65536;
    }
    at += size;
  }
  // Memory imported rather than defined: the binary does not say.
  return null;
}
