// Loading native/onednn, the addon that computes the wasm backend's convolutions and batch
// normalisation with oneDNN (and the optimisers' updates and max pooling's gradient) for the
// wasm-onednn backend.
// It is an optional dependency built at install time from Debian's libdnnl-dev; where it is
// missing or fails to load, the wasm backend keeps its XNNPACK kernels.
import { createRequire } from 'node:module';

export interface OnednnAddon {
  /** One convolution; the params layout is native/onednn/src/kernels.h's struct Conv. */
  conv(params: Int32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null, out: Float32Array): void;
  /**
   * Batch normalisation in training over [positions, channels]; params [op, positions, channels,
   * threads]. Forward (op 0) arrays: x, scale, shift, then the outputs y, mean, variance;
   * backward (op 1): dy, x, scale, mean, variance, then dx, dscale, dshift.
   */
  bnorm(params: Int32Array, epsilon: number, arrays: Float32Array[]): void;
  /** The gradient of max pooling, NHWC; params native/onednn/src/kernels.h's struct MaxPoolGrad. */
  maxpoolgrad(params: Int32Array, x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /**
   * One SGD momentum step of one parameter (src/backend/fused_sgd.ts): settings [lr, momentum,
   * dampening, weight_decay], flags [first, nesterov], arrays param, grad, buf, param_out, buf_out.
   */
  sgd(settings: Float64Array, flags: Int32Array, arrays: Float32Array[]): void;
  /**
   * One Adam or AdamW step of one parameter (src/backend/fused_adam.ts): settings [step_size,
   * correction2_sqrt, decay_keep, weight_decay, beta1, beta2, eps], flags [decoupled, amsgrad],
   * arrays param, grad, exp_avg, exp_avg_sq, (max_exp_avg_sq), then the outputs param, exp_avg,
   * exp_avg_sq, (max_exp_avg_sq): 7, or 9 with amsgrad.
   */
  adam(settings: Float64Array, flags: Int32Array, arrays: Float32Array[]): void;
  /**
   * One RMSprop step of one parameter (src/backend/fused_rmsprop.ts): settings [lr, alpha, eps,
   * weight_decay, momentum], flags [centered], arrays param, grad, square_avg, (grad_avg when
   * centered), (momentum_buffer when momentum > 0), then the outputs param and the same slots.
   */
  rmsprop(settings: Float64Array, flags: Int32Array, arrays: Float32Array[]): void;
  /** oneDNN's version, e.g. 2.6.3. */
  version(): string;
  /** The instruction set its kernels are generated for here, e.g. avx512_core. */
  isa(): string;
  /** oneDNN's name for the implementation it picks for a convolution (params as for conv). */
  implementation(params: Int32Array): string;
}

export const ONEDNN_PACKAGE = 'pipe-onednn';

export type OnednnLoad = { readonly addon: OnednnAddon; readonly reason: null } | { readonly addon: null; readonly reason: string };

let loaded: OnednnLoad | null = null;

/**
 * The addon, or why it is not available (not installed, not built, or libdnnl missing at load).
 * Loading it takes ~5 ms and no tfjs, so the CLI can ask before deciding on a backend. Once per
 * module instance, i.e. per thread.
 */
export function loadOnednn(): OnednnLoad {
  if (loaded) return loaded;
  try {
    loaded = { addon: createRequire(import.meta.url)(ONEDNN_PACKAGE) as OnednnAddon, reason: null };
  } catch (e) {
    loaded = { addon: null, reason: String((e as Error)?.message ?? e).split('\n')[0] };
  }
  return loaded;
}

/** The addon if this thread has already loaded it, else null: asks without loading it (a run's
 *  provenance names the oneDNN that computed, not one merely installed). */
export function onednnIfLoaded(): OnednnAddon | null {
  return loaded?.addon ?? null;
}
