// `pipe doctor` through the real binary (dist/, built by the global setup), exact lines.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadOnednn } from '../../src/backend/onednn.js';
import { packageDir, packageVersion } from '../../src/backend/probe.js';

const run = promisify(execFile);
const nativeInstalled = packageDir('@tensorflow/tfjs-node') !== null || packageDir('@tensorflow/tfjs-node-gpu') !== null;
// CI installs libdnnl-dev, so the addon is built there (test/backend/onednn.test.ts insists);
// elsewhere doctor must say why it is not.
const onednn = loadOnednn();
const ENGINE_KERNELS = 'Conv2DBackpropFilter, Conv2DBackpropInput, MaxPoolGrad, Sum, Mean, Identity, Cast, BatchMatMul, _FusedMatMul, Tile, Slice, SplitV, FusedBatchNorm, PipeBatchNormTraining, PipeBatchNormTrainingGrad, FusedBatchNorm gradient, Sum gradient, Mean gradient, Relu gradient, PipeBatchNormTraining gradient';

async function pipe(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { PIPE_BACKEND: _drop, ...rest } = process.env;
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/pipe.js', ...args], { env: { ...rest, NO_COLOR: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe.skipIf(nativeInstalled)('pipe doctor, where neither tfjs-node package is installed', () => {
  const notInstalled = [
    '  tensorflow-gpu: not installed; its install downloads libtensorflow 2.9.1 and needs CUDA 11.2 + cuDNN 8.1',
    '  tensorflow: not installed; its install downloads libtensorflow 2.9.1 (CPU build) from storage.googleapis.com',
  ];

  it.runIf(onednn.addon !== null)('reports wasm-onednn, its binary, oneDNN and kernels, and why each other backend is not used', async () => {
    const tfjs = await packageVersion('@tensorflow/tfjs');
    const wasm = await packageVersion('@tensorflow/tfjs-backend-wasm');
    const { code, stdout, stderr } = await pipe(['doctor']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.split('\n')).toEqual([
      'backend: wasm-onednn (chosen by preference order)',
      `  @tensorflow/tfjs ${tfjs}`,
      `  pipe-onednn ${await packageVersion('pipe-onednn')}`,
      `  @tensorflow/tfjs-backend-wasm ${wasm}`,
      `  oneDNN ${onednn.addon?.version()}`,
      '  binary: tfjs-backend-wasm-simd.wasm',
      '  simd: on',
      '  threads: 1',
      '  heap limit: 4096 MiB',
      `  convolutions: oneDNN ${onednn.addon?.version()} (${onednn.addon?.isa()})`,
      `  engine kernels: ${ENGINE_KERNELS}, Conv2D (oneDNN), FusedConv2D (oneDNN), Conv2DBackpropInput (oneDNN), Conv2DBackpropFilter (oneDNN), PipeBatchNormTraining (oneDNN), PipeBatchNormTrainingGrad (oneDNN), MaxPoolGrad (oneDNN), PipeSgdMomentum (native), PipeAdam (native), PipeRmsprop (native)`,
      'other backends:',
      ...notInstalled,
      `  wasm: available (@tensorflow/tfjs-backend-wasm ${wasm}), ranked below wasm-onednn`,
      `  cpu: available (@tensorflow/tfjs ${tfjs}), ranked below wasm-onednn`,
      '',
    ]);
  });

  it('--backend wasm: the XNNPACK convolutions, no oneDNN', async () => {
    const tfjs = await packageVersion('@tensorflow/tfjs');
    const { code, stdout } = await pipe(['doctor', '--backend', 'wasm']);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 10)).toEqual([
      'backend: wasm (chosen by --backend wasm)',
      `  @tensorflow/tfjs ${tfjs}`,
      `  @tensorflow/tfjs-backend-wasm ${await packageVersion('@tensorflow/tfjs-backend-wasm')}`,
      '  binary: tfjs-backend-wasm-simd.wasm',
      '  simd: on',
      '  threads: 1',
      '  heap limit: 4096 MiB',
      "  convolutions: XNNPACK (tfjs-backend-wasm) and the engine's kernels",
      `  engine kernels: ${ENGINE_KERNELS}`,
      'other backends:',
    ]);
    expect(stdout).toContain(onednn.addon === null ? `  wasm-onednn: installed (0.1.0) but does not load: ${onednn.reason}\n` : '  wasm-onednn: available (pipe-onednn 0.1.0), not chosen (--backend wasm)\n');
  });

  it('--json carries the same facts', async () => {
    const { code, stdout } = await pipe(['doctor', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { chosen: { kind: string; details: Record<string, string> }; backends: { kind: string; available: boolean; reason: string | null }[] };
    expect(report.chosen.kind).toBe(onednn.addon ? 'wasm-onednn' : 'wasm');
    expect(report.chosen.details.binary).toBe('tfjs-backend-wasm-simd.wasm');
    expect(report.backends.map((b) => [b.kind, b.available])).toEqual([['tensorflow-gpu', false], ['tensorflow', false], ['wasm-onednn', onednn.addon !== null], ['wasm', true], ['cpu', true]]);
    expect(report.backends.slice(0, 2).map((b) => `  ${b.kind}: ${b.reason}`)).toEqual(notInstalled);
  });

  it('where the oneDNN addon does not load, wasm is chosen and doctor says why wasm-onednn is not', async () => {
    const { code, stdout } = await pipe(['doctor'], { NODE_OPTIONS: '--require ./test/helpers/no-onednn.cjs' });
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('backend: wasm (chosen by preference order)');
    expect(stdout).toContain(`  wasm-onednn: installed (${await packageVersion('pipe-onednn')}) but does not load: pipe-onednn was not built: oneDNN is not installed: apt-get install libdnnl-dev\n`);
  });

  it('the backend keys are made for (expectedBackend, no tfjs loaded) follows the addon: wasm-onednn where it loads, else wasm', async () => {
    const expected = async (options: string[]) => (await run(process.execPath, [...options, '--input-type=module', '-e',
      "const m = await import('./dist/backend/index.js'); console.log(await m.expectedBackend({ env: {} }))"])).stdout.trim();
    expect(await expected([])).toBe(onednn.addon ? 'wasm-onednn' : 'wasm');
    expect(await expected(['--require', './test/helpers/no-onednn.cjs'])).toBe('wasm');
  });

  it('PIPE_BACKEND=cpu is honoured and named', async () => {
    const { code, stdout } = await pipe(['doctor'], { PIPE_BACKEND: 'cpu' });
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('backend: cpu (chosen by PIPE_BACKEND=cpu)');
    expect(stdout).toContain(`  wasm: available (@tensorflow/tfjs-backend-wasm ${await packageVersion('@tensorflow/tfjs-backend-wasm')}), not chosen (PIPE_BACKEND=cpu)\n`);
  });

  it('an unavailable or unknown --backend exits 2 with the reason', async () => {
    expect(await pipe(['doctor', '--backend', 'tensorflow'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: backend 'tensorflow' (--backend tensorflow) is not available: not installed; its install downloads libtensorflow 2.9.1 (CPU build)" +
        " from storage.googleapis.com (drop --backend to use the best available backend; 'pipe doctor' lists them)\n",
    });
    expect(await pipe(['doctor', '--backend', 'tpu'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: unknown backend 'tpu' (--backend tpu); known backends: tensorflow-gpu, tensorflow, wasm-onednn, wasm, cpu\n",
    });
  });
});
