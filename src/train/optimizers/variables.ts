// A fused optimiser applied to tfjs variables: the training thread's own step. The variables'
// values are read at every step rather than kept here, so weights set from outside between steps
// (a resumed checkpoint, a warm start) are what the update starts from.
import type * as tfjs from '@tensorflow/tfjs';
import type { EngineOptimizer, FusedOptimizer } from './optimizer.js';

export interface VariableOptimizer extends EngineOptimizer {
  /** Applies one update in place, with this lr; grads[i] is the gradient of params[i]. */
  step(grads: readonly tfjs.Tensor[], lr: number): void;
}

export function onVariables(tf: typeof tfjs, fused: FusedOptimizer, params: readonly tfjs.Variable[]): VariableOptimizer {
  const total = fused.sizes.reduce((a, b) => a + b, 0);
  const values = new Float32Array(total);
  const grads = new Float32Array(total);
  return {
    type: fused.type,
    state: () => fused.state(),
    load: (state) => fused.load(state),
    step(gradients, lr) {
      if (gradients.length !== params.length) throw new Error(`${fused.type}: ${gradients.length} gradients for ${params.length} parameters`);
      let offset = 0;
      params.forEach((p, i) => {
        values.set(p.dataSync() as Float32Array, offset);
        grads.set(gradients[i].dataSync() as Float32Array, offset);
        offset += p.size;
      });
      fused.update(values, grads, lr);
      offset = 0;
      for (const p of params) {
        const next = tf.tensor(values.subarray(offset, (offset += p.size)), p.shape, 'float32');
        p.assign(next);
        next.dispose();
      }
    },
  };
}
