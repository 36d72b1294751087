// The engine's kernels for the wasm backend and its gradients: plain lists. Each entry replaces
// (or adds) one kernel of tfjs-backend-wasm 4.22; the file beside it says why and derives it.
import { getGradient, getKernel, registerGradient, registerKernel, unregisterKernel, type GradConfig, type KernelFunc } from '@tensorflow/tfjs';
import { batchMatMulOverride, fusedMatMulOverride } from './batch_mat_mul.js';
import { batchNormTrainingKernel } from './batch_norm_training.js';
import { batchNormTrainingGradient, batchNormTrainingGradKernel } from './batch_norm_training_grad.js';
import { conv2DBackpropFilterOverride } from './conv2d_backprop_filter.js';
import { conv2DBackpropInputOverride } from './conv2d_backprop_input.js';
import { fusedBatchNormOverride } from './fused_batch_norm.js';
import { fusedBatchNormGrad } from './fused_batch_norm_grad.js';
import { castOverride, identityOverride } from './identity.js';
import { maxPoolGradOverride } from './max_pool_grad.js';
import type { GradientOverride, KernelOverride } from './overrides.js';
import { meanOverride, sumOverride } from './reduce.js';
import { meanGrad, sumGrad } from './reduce_grad.js';
import { reluGrad } from './relu_grad.js';
import { onednnBatchNormKernels } from './onednn_batch_norm.js';
import { onednnConvKernels } from './onednn_conv.js';
import { onednnMaxPoolGradKernels } from './onednn_max_pool_grad.js';
import { onednnAdamKernel } from './onednn_adam.js';
import { onednnRmspropKernel } from './onednn_rmsprop.js';
import { onednnSgdKernel } from './onednn_sgd.js';
import { ADAM } from '../fused_adam.js';
import { RMSPROP } from '../fused_rmsprop.js';
import { SGD_MOMENTUM } from '../fused_sgd.js';
import { sliceOverride, splitVOverride } from './slice.js';
import { tileOverride } from './tile.js';

export const wasmKernels: readonly KernelOverride[] = [
  conv2DBackpropFilterOverride,
  conv2DBackpropInputOverride,
  maxPoolGradOverride,
  sumOverride,
  meanOverride,
  identityOverride,
  castOverride,
  batchMatMulOverride,
  fusedMatMulOverride,
  tileOverride,
  sliceOverride,
  splitVOverride,
  fusedBatchNormOverride,
  batchNormTrainingKernel,
  batchNormTrainingGradKernel,
];

/** Installed with the wasm kernels; most take their own path only while wasm is active (see each file). */
export const wasmGradients: readonly GradientOverride[] = [fusedBatchNormGrad, sumGrad, meanGrad, reluGrad];

/** Gradients of the engine's own kernels (tfjs has none to wrap); they run only where those kernels ran. */
export const engineGradients: readonly GradConfig[] = [batchNormTrainingGradient];

const ourKernels = new WeakSet<KernelFunc>();
const ourGradients = new WeakSet<GradConfig>();

/** Installs both lists over the stock kernels and gradients; returns what it installed. Idempotent. */
export function registerEngineKernels(): string[] {
  for (const override of wasmKernels) {
    const stock = getKernel(override.kernelName, 'wasm');
    if (stock && ourKernels.has(stock.kernelFunc)) continue;
    if (stock) unregisterKernel(override.kernelName, 'wasm');
    const kernelFunc = override.build(stock?.kernelFunc ?? null);
    ourKernels.add(kernelFunc);
    registerKernel({ kernelName: override.kernelName, backendName: 'wasm', kernelFunc });
  }
  for (const override of wasmGradients) {
    const stock = getGradient(override.kernelName);
    if (!stock) throw new Error(`tfjs has no gradient for '${override.kernelName}' to wrap`);
    if (ourGradients.has(stock)) continue;
    const ours = override.wrap(stock);
    ourGradients.add(ours);
    registerGradient(ours);
  }
  for (const gradient of engineGradients) if (getGradient(gradient.kernelName) !== gradient) registerGradient(gradient);
  return [
    ...wasmKernels.map((k) => k.kernelName),
    ...[...wasmGradients, ...engineGradients].map((g) => `${g.kernelName} gradient`),
  ];
}

/** oneDNN's kernels (wasm-onednn), each over the kernel registered before it (its fallback). */
const onednnKernels = { ...onednnConvKernels, ...onednnBatchNormKernels, ...onednnMaxPoolGradKernels };
const onednnInstalled = new Set<string>();

/** The engine's own native kernels (the optimisers' fused updates): nothing before them; asked for only while oneDNN is on. */
const nativeKernels: Readonly<Record<string, KernelFunc>> = { [SGD_MOMENTUM]: onednnSgdKernel, [ADAM]: onednnAdamKernel, [RMSPROP]: onednnRmspropKernel };

/** Installs the oneDNN kernels over whatever wasm kernels are registered (once); they run while `useOnednn` holds the addon. */
export function registerOnednnKernels(): string[] {
  for (const [kernelName, build] of Object.entries(onednnKernels)) {
    if (onednnInstalled.has(kernelName)) continue;
    const before = getKernel(kernelName, 'wasm');
    if (!before) throw new Error(`tfjs-backend-wasm has no '${kernelName}' kernel to put oneDNN's beside`);
    unregisterKernel(kernelName, 'wasm');
    const kernelFunc = build(before.kernelFunc);
    ourKernels.add(kernelFunc); // so that registerEngineKernels, run again, leaves it in place
    registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    onednnInstalled.add(kernelName);
  }
  for (const [kernelName, kernelFunc] of Object.entries(nativeKernels)) {
    if (!getKernel(kernelName, 'wasm')) registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  return [...Object.keys(onednnKernels).map((k) => `${k} (oneDNN)`), ...Object.keys(nativeKernels).map((k) => `${k} (native)`)];
}
