// Choosing the backend: preference order, --backend and PIPE_BACKEND, and the errors for names
// that are unknown or unavailable here.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { initBackend, probeBackends } from '../../src/backend/index.js';
import { engineGradients, wasmGradients, wasmKernels } from '../../src/backend/kernels/index.js';
import { BACKEND_SPECS } from '../../src/backend/kinds.js';
import { loadOnednn } from '../../src/backend/onednn.js';
import { packageDir, packageVersion } from '../../src/backend/probe.js';
import { memoryMaximum } from '../../src/backend/wasm.js';
import { InputError } from '../../src/errors.js';

const onednn = loadOnednn();
const nativeInstalled = packageDir('@tensorflow/tfjs-node') !== null || packageDir('@tensorflow/tfjs-node-gpu') !== null;

async function inputErrorOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(InputError);
  return (e as InputError).message;
}

describe('initBackend', () => {
  it('an unknown name is an input error that lists the known ones', async () => {
    expect(await inputErrorOf(initBackend({ backend: 'webgpu', env: {} }))).toBe(
      "unknown backend 'webgpu' (--backend webgpu); known backends: tensorflow-gpu, tensorflow, wasm-onednn, wasm, cpu");
    expect(await inputErrorOf(initBackend({ env: { PIPE_BACKEND: 'gpu' } }))).toBe(
      "unknown backend 'gpu' (PIPE_BACKEND=gpu); known backends: tensorflow-gpu, tensorflow, wasm-onednn, wasm, cpu");
  });

  it.skipIf(nativeInstalled)('a requested backend that is not installed is an input error saying why', async () => {
    expect(await inputErrorOf(initBackend({ env: { PIPE_BACKEND: 'tensorflow' } }))).toBe(
      "backend 'tensorflow' (PIPE_BACKEND=tensorflow) is not available: not installed; its install downloads libtensorflow 2.9.1 (CPU build) from storage.googleapis.com" +
      " (unset PIPE_BACKEND to use the best available backend; 'pipe doctor' lists them)");
    expect(await inputErrorOf(initBackend({ backend: 'tensorflow-gpu', env: {} }))).toBe(
      "backend 'tensorflow-gpu' (--backend tensorflow-gpu) is not available: not installed; its install downloads libtensorflow 2.9.1 and needs CUDA 11.2 + cuDNN 8.1" +
      " (drop --backend to use the best available backend; 'pipe doctor' lists them)");
  });

  it('PIPE_BACKEND picks a backend, and --backend wins over it', async () => {
    const cpu = await initBackend({ env: { PIPE_BACKEND: 'cpu' } });
    expect([cpu.kind, cpu.chosenBy, cpu.tf.getBackend()]).toEqual(['cpu', 'PIPE_BACKEND=cpu', 'cpu']);
    const wasm = await initBackend({ backend: 'wasm', env: { PIPE_BACKEND: 'cpu' } });
    expect([wasm.kind, wasm.chosenBy, wasm.tf.getBackend()]).toEqual(['wasm', '--backend wasm', 'wasm']);
  });

  it.skipIf(nativeInstalled)('without a request, picks wasm-onednn where the addon loads, else wasm: SIMD binary, 4 GiB heap, engine kernels, versions', async () => {
    const chosen = await initBackend({ env: {} });
    expect(chosen.kind).toBe(onednn.addon ? 'wasm-onednn' : 'wasm');
    expect(chosen.chosenBy).toBe('preference order');
    if (onednn.addon) {
      const version = onednn.addon.version();
      expect(chosen.details.convolutions).toBe(`oneDNN ${version} (${onednn.addon.isa()})`);
      expect(chosen.details.engineKernels.endsWith(', Conv2D (oneDNN), FusedConv2D (oneDNN), Conv2DBackpropInput (oneDNN), Conv2DBackpropFilter (oneDNN), PipeBatchNormTraining (oneDNN), PipeBatchNormTrainingGrad (oneDNN), MaxPoolGrad (oneDNN), PipeSgdMomentum (native), PipeAdam (native), PipeRmsprop (native)')).toBe(true);
      expect(chosen.versions).toEqual({
        '@tensorflow/tfjs': await packageVersion('@tensorflow/tfjs'),
        '@tensorflow/tfjs-backend-wasm': await packageVersion('@tensorflow/tfjs-backend-wasm'),
        'pipe-onednn': await packageVersion('pipe-onednn'),
        oneDNN: version,
      });
    }
    // Plain wasm, as the same process can start it after wasm-onednn: no oneDNN kernels listed.
    const info = await initBackend({ backend: 'wasm', env: {} });
    expect(info.kind).toBe('wasm');
    expect(info.tf.getBackend()).toBe('wasm');
    // Only the expected binary is mapped to a real file (see wasm.ts), so a start means it is the one loaded.
    expect(info.details).toEqual({
      binary: 'tfjs-backend-wasm-simd.wasm',
      simd: 'on',
      threads: '1',
      heapLimit: '4096 MiB',
      convolutions: "XNNPACK (tfjs-backend-wasm) and the engine's kernels",
      engineKernels: [...wasmKernels.map((k) => k.kernelName), ...[...wasmGradients, ...engineGradients].map((g) => `${g.kernelName} gradient`)].join(', '),
    });
    expect(info.versions).toEqual({
      '@tensorflow/tfjs': await packageVersion('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': await packageVersion('@tensorflow/tfjs-backend-wasm'),
    });
    expect(info.tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
});

describe('probeBackends', () => {
  it('lists every backend in preference order with a reason for each unavailable one', async () => {
    const probes = await probeBackends();
    expect(probes.map((p) => p.kind)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm-onednn', 'wasm', 'cpu']);
    for (const p of probes) {
      expect(p.packageName).toBe(BACKEND_SPECS[p.kind].packageName);
      expect(p.available).toBe(p.reason === null);
      if (p.version === null) expect(p.reason).toBe(`not installed; ${BACKEND_SPECS[p.kind].installNeeds}`);
    }
    expect(probes.slice(3).every((p) => p.available)).toBe(true);
    expect(probes[2].available).toBe(onednn.addon !== null);
  });
});

describe('memoryMaximum', () => {
  it("reads the wasm binary's declared memory maximum: 65536 pages of 64 KiB", async () => {
    const dir = packageDir('@tensorflow/tfjs-backend-wasm') as string;
    expect(await memoryMaximum(join(dir, 'dist', 'tfjs-backend-wasm-simd.wasm'))).toBe(4 * 2 ** 30);
  });
});
