// The engine's kernels for the wasm backend: a plain list. Each entry replaces (or adds) one
// kernel of tfjs-backend-wasm 4.22; the file beside it says why and derives it.
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { conv2DBackpropInputConfig } from './conv2d_backprop_input.js';
import { maxPoolGradConfig } from './max_pool_grad.js';

export const wasmKernels: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
];

/** Installs the list on the wasm backend, replacing stock kernels of the same names; returns their names. Idempotent. */
export function registerEngineKernels(): string[] {
  for (const config of wasmKernels) {
    if (getKernel(config.kernelName, config.backendName) === config) continue;
    if (getKernel(config.kernelName, config.backendName)) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
  return wasmKernels.map((k) => k.kernelName);
}
