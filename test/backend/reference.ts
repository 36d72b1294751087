// Running the same computation on the wasm backend (with the engine's kernels) and on the cpu
// backend (tfjs's reference implementation), from the same input values.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { Rng } from '../../src/data/random.js';

let started: Promise<unknown> | null = null;

/** Starts wasm once per test file (registering the engine kernels) and leaves it active. */
export async function useWasm(): Promise<typeof tf> {
  // Production mode only silences tfjs's warnings, here the "install the node backend" banner the
  // cpu reference would print.
  tf.enableProdMode();
  started ??= initBackend({ backend: 'wasm', env: {} });
  await started;
  await tf.setBackend('wasm');
  return tf;
}

/** Runs `f` on `backend` and returns its outputs' values; every tensor it made is freed. */
export async function valuesOn(backend: 'wasm' | 'cpu', f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  await tf.setBackend('wasm');
  return values;
}

/**
 * Builds with tf.layers' initialisers drawing from a seeded stream instead of Math.random, which
 * they use when given no seed: the same weights on every run. Gradients compared across backends
 * (or across two implementations of a layer) are only comparable where the network is
 * differentiable: a random draw can put a ReLU input within rounding of zero (seen once in 150
 * draws of the inception-resnet: 6.0e-7), where the two sides legitimately take different
 * branches and a kernel's gradient differs by 10%. A fixed draw checks the same point every run.
 */
export function seededBuild<T>(seed: number, build: () => T): T {
  const rng = Rng.from(seed, 'initialisers');
  const original = Math.random;
  Math.random = () => rng.uniform(0, 1);
  try {
    return build();
  } finally {
    Math.random = original;
  }
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: Float32Array, reference: Float32Array): number {
  if (actual.length !== reference.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Seeded uniform values in [-1, 1), drawn in JS so both backends see the same numbers. */
export function randomValues(shape: readonly number[], seed: number): Float32Array {
  const rng = Rng.from(seed, 'backend-test');
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1));
}
